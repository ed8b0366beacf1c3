import { randomUUID } from 'node:crypto';
import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  CommandOrigin,
  IdentifierSchema,
  NotFoundError,
  RegisterPriorityResidentSchema,
  RemovePriorityResidentQuerySchema,
  ValidationError,
} from '@closeloop/contracts';
import {
  Access,
  actorOf,
  correlationIdOf,
  coversSite,
  ensureSiteAllowed,
  isUuid,
  principalOf,
  staffMemberOf,
} from '@closeloop/http';
import type { Request } from 'express';
import { z } from 'zod';
import { jsonBodyOf } from '../resident-feedback/json-body';
import { issuesOf } from '../submit-report/report-input';
import { PriorityRegistryHandler } from './priority-registry.handler';
import { ActivePriorityResident, PriorityResidentsRepository } from './priority-residents.repository';

const ListQuerySchema = z.object({ site: IdentifierSchema }).strict();

/** A registration as staff see it: the phone masked, never its digest. */
const toView = (r: ActivePriorityResident) => ({
  registrationId: r.registrationId,
  siteId: r.siteId,
  building: r.building ?? null,
  unit: r.unit,
  phone: r.phoneMasked,
  name: r.name ?? null,
  need: r.need,
  consent: r.consent,
  reviewOn: r.reviewOn,
  registeredAt: r.registeredAt,
});

/**
 * The priority registry (ADR 28): the site's dispatchers and administrators register a vulnerable resident with
 * their consent, list the registrations active at a site, and remove one, saying why.
 */
@Controller('v1/residents')
@Access({ staff: ['dispatcher', 'admin'] })
export class PriorityResidentsHttpController {
  constructor(
    private readonly registry: PriorityRegistryHandler,
    private readonly residents: PriorityResidentsRepository,
  ) {}

  @Post()
  @HttpCode(201)
  async register(@Req() request: Request) {
    const registration = jsonBodyOf(RegisterPriorityResidentSchema, request, 'registration');
    const caller = principalOf(request);
    ensureSiteAllowed(caller, registration.siteId);
    const registered = await this.registry.register(registration, staffMemberOf(caller), this.context(request));
    return toView(registered);
  }

  @Get()
  @Access({ staff: ['dispatcher', 'supervisor', 'admin'] })
  async list(@Req() request: Request, @Query() query: Record<string, unknown>) {
    const parsed = ListQuerySchema.safeParse(query);
    if (!parsed.success) throw new ValidationError('The query is not valid', issuesOf(parsed.error, 'query'));
    ensureSiteAllowed(principalOf(request), parsed.data.site);
    return { residents: (await this.residents.atSite(parsed.data.site)).map(toView) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Req() request: Request, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    const caller = principalOf(request);
    if (!isUuid(id)) throw new NotFoundError('Registration', id);
    const parsed = RemovePriorityResidentQuerySchema.safeParse(query);
    if (!parsed.success) throw new ValidationError('Say why the registration ends', issuesOf(parsed.error, 'query'));
    await this.registry.remove(
      id,
      parsed.data.reason,
      staffMemberOf(caller),
      (siteId) => coversSite(caller, siteId),
      this.context(request),
    );
  }

  private context(request: Request): CommandOrigin {
    return {
      actor: actorOf(principalOf(request)),
      correlationId: correlationIdOf(request),
      causationId: `request:${randomUUID()}`,
    };
  }
}
