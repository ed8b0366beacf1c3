import { z } from 'zod';
import { WorkOrderReportedData } from './events/work-order.events';

type Report = z.infer<typeof WorkOrderReportedData>;

/**
 * An order as its report (WorkOrderReported) describes it: its number, where it is, what it is about, and the
 * resident's phone. The work-order decider keeps part of it, and notification shows all of it in its alerts; both
 * take the names and types from the event's schema, so a change to the report is made once.
 */
export type ReportedOrder = Readonly<
  Pick<Report, 'number' | 'siteId' | 'building' | 'unit' | 'category' | 'description'> & {
    /** The reporter's number: personal data, masked wherever it is shown. */
    reporterPhone?: Report['reporter']['phone'];
  }
>;
