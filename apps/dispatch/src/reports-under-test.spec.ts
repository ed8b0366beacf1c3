import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { ReportDetails } from '@closeloop/contracts';
import { loadJsonFile } from '@closeloop/config';
import { EventStore } from '@closeloop/event-store';
import { recordEvents, repositoryRoot } from '@closeloop/testing';
import { triage, TriageRulesSchema, workOrderDecider, workOrderStream } from '@closeloop/work-order-domain';

const rules = loadJsonFile('TRIAGE_RULES_FILE', resolve(repositoryRoot, 'config/triage-rules.json'), TriageRulesSchema);

/**
 * Records a report as intake does (reported and triaged by the shipped rules, in one append), so dispatch's specs
 * start from the work-order stream intake leaves behind.
 */
export const recordReportAsIntake = async (
  store: EventStore,
  report: ReportDetails,
  number: string,
  now: Date,
  workOrderId: string = randomUUID(),
): Promise<string> => {
  const events = workOrderDecider.decide(
    { type: 'ReportWorkOrder', workOrderId, number, report, triage: triage(rules, report), now },
    workOrderDecider.initialState(),
  );
  await recordEvents(
    store,
    workOrderStream(workOrderId),
    events,
    { workOrderId, actor: { kind: 'integrator', id: 'hotline' }, producer: 'intake' },
    'no-stream',
  );
  return workOrderId;
};
