import { Inject, Injectable } from '@nestjs/common';
import { localDateOf } from '@closeloop/contracts';
import { INTAKE_CONFIG, IntakeConfig } from './intake.config';

/**
 * The date at the sites: the day an order's number is counted in, the day a registration is reviewed on, the days
 * a knowledge-base notice holds on. One zone (SITE_TIME_ZONE) serves every site until sites carry their own, which
 * then belong here.
 */
@Injectable()
export class SiteCalendar {
  constructor(@Inject(INTAKE_CONFIG) private readonly config: IntakeConfig) {}

  /** The sites' date at an instant, as YYYY-MM-DD. */
  dateAt(now: Date): string {
    return localDateOf(now, this.config.SITE_TIME_ZONE);
  }
}
