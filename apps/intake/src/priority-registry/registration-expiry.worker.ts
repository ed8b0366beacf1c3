import { Inject, Injectable } from '@nestjs/common';
import { PollingWorker } from '@closeloop/runtime';
import { INTAKE_CONFIG, IntakeConfig } from '../intake.config';
import { PriorityRegistryHandler } from './priority-registry.handler';
import { PriorityResidentsRepository } from './priority-residents.repository';

const BATCH = 50;

/**
 * Lapses registrations on their review date (ADR 28): each one whose date has come in the site's zone gets its
 * PriorityResidentExpired event, and its row goes. Several instances may find the same registration; the decider
 * expires it once and the others decide nothing. A registration whose stream ended otherwise (or never began, after
 * a crash) only loses its row.
 */
@Injectable()
export class RegistrationExpiryWorker extends PollingWorker<string> {
  constructor(
    private readonly registry: PriorityRegistryHandler,
    private readonly residents: PriorityResidentsRepository,
    @Inject(INTAKE_CONFIG) config: IntakeConfig,
  ) {
    super({
      logContext: 'priority-registry',
      itemName: 'registration review',
      batchSize: BATCH,
      concurrency: 4,
      idleMillis: config.PRIORITY_EXPIRY_POLL_MILLIS,
    });
  }

  protected claim(batchSize: number): Promise<string[]> {
    return this.residents.dueForReview(this.registry.today(), batchSize);
  }

  protected async work(registrationId: string): Promise<void> {
    try {
      await this.registry.expire(registrationId, {
        actor: { kind: 'system', id: 'priority-registry' },
        correlationId: `review:${registrationId}`,
        causationId: `review:${registrationId}`,
      });
    } catch (error) {
      this.logger.warn(`registration ${registrationId} could not be expired: ${(error as Error).message}`);
    }
  }
}
