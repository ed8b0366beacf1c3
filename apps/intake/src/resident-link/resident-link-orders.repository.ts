import { Inject, Injectable } from '@nestjs/common';
import { LinkDigestColumn } from '@closeloop/auth';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { intakeReportWhere } from '../resident-feedback/work-order-numbers.repository';

/** intake_reports by status link (migration 0032): the order a link's digest names, and the digests to fill in. */
@Injectable()
export class ResidentLinkOrdersRepository extends LinkDigestColumn {
  constructor(@Inject(PG_POOL) pool: Pool) {
    super(pool, 'intake_reports');
  }

  /** The order whose link has this digest; one indexed equality, whatever the digest. */
  orderOf(linkDigest: string): Promise<string | undefined> {
    return intakeReportWhere(this.pool, 'link_digest', linkDigest);
  }
}
