import { Controller, Delete, HttpCode, Param, Put, Req } from '@nestjs/common';
import { IdentifierSchema, maskPhone, ResidentContactSchema, ValidationError } from '@closeloop/contracts';
import { Access, actorOf, ensureSiteAllowed, principalOf } from '@closeloop/http';
import { Clock } from '@closeloop/runtime';
import type { Request } from 'express';
import { z } from 'zod';
import { ResidentNoticesRepository } from './resident-notices.repository';
import { ResidentNotices } from './resident-notices.service';

const PhoneSchema = ResidentContactSchema.shape.phone.unwrap();

const parsed = <S extends z.ZodTypeAny>(schema: S, value: unknown, path: string): z.infer<S> => {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ValidationError(
      `The ${path.replace('path:', '')} in the path is not valid`,
      result.error.issues.map((i) => ({ path, message: i.message })),
    );
  return result.data;
};

/**
 * A resident's "do not send me step notices" at a site, recorded by the desk (dispatcher or admin of the site) or
 * by the integrator the resident asked (its key scoped to the site). Kept by the keyed digest of the number
 * (ResidentKeys.phoneDigest), so "+86 138 0013 8000" and "13800138000" are one resident and no plain number is
 * stored; answers show the number masked. PUT records (idempotent), DELETE removes.
 */
@Controller('v1/sites/:siteId/resident-notification-opt-outs')
@Access({ integrator: true, staff: ['dispatcher', 'admin'] })
export class ResidentNotificationOptOutsHttpController {
  constructor(
    private readonly notices: ResidentNoticesRepository,
    private readonly residents: ResidentNotices,
    private readonly clock: Clock,
  ) {}

  @Put(':phone')
  async optOut(@Param('siteId') siteId: string, @Param('phone') phone: string, @Req() request: Request) {
    const { site, number } = this.target(request, siteId, phone);
    const recordedAt = this.clock.now();
    const created = await this.notices.optOut(
      site,
      this.residents.phoneDigest(number),
      actorOf(principalOf(request)),
      recordedAt,
    );
    return { siteId: site, phone: maskPhone(number), optedOut: true, created };
  }

  @Delete(':phone')
  @HttpCode(204)
  async optIn(@Param('siteId') siteId: string, @Param('phone') phone: string, @Req() request: Request): Promise<void> {
    const { site, number } = this.target(request, siteId, phone);
    await this.notices.optIn(site, this.residents.phoneDigest(number));
  }

  private target(request: Request, siteId: string, phone: string): { site: string; number: string } {
    const site = parsed(IdentifierSchema, siteId, 'path:siteId');
    const number = parsed(PhoneSchema, phone, 'path:phone');
    ensureSiteAllowed(principalOf(request), site);
    return { site, number };
  }
}
