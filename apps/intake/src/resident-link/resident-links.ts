import { Inject, Injectable } from '@nestjs/common';
import { ResidentKeys } from '@closeloop/auth';
import { INTAKE_CONFIG, IntakeConfig, RESIDENT_KEYS } from '../intake.config';

/**
 * Each order's status link (docs/adr/0026-resident-status-links.md): the console's resident page followed by the
 * order's token. Deterministic, so every answer about an order (a retry, a duplicate report joining it) gives the
 * same link, and nothing but its digest is ever stored.
 */
@Injectable()
export class ResidentLinks {
  constructor(
    @Inject(RESIDENT_KEYS) private readonly keys: ResidentKeys,
    @Inject(INTAKE_CONFIG) private readonly config: IntakeConfig,
  ) {}

  linkOf(workOrderId: string): string {
    return `${this.config.RESIDENT_LINK_BASE_URL}${this.keys.linkToken(workOrderId)}`;
  }

  /** What intake_reports keeps of the order's link. */
  digestOf(workOrderId: string): string {
    return this.keys.linkDigest(workOrderId);
  }
}
