import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import {
  ForbiddenError,
  IdentifierSchema,
  InstantSchema,
  NotFoundError,
  StaffIdSchema,
  ValidationError,
} from '@closeloop/contracts';
import {
  Access,
  ensureSiteAllowed,
  ensureSiteVisible,
  hasRole,
  isUuid,
  Principal,
  principalOf,
  visibleSites,
} from '@closeloop/http';
import type { Request } from 'express';
import { OnCallSchedule, OverrideInputSchema, RotationInputSchema, whoIsOnCall } from '@closeloop/notification-domain';
import { Clock } from '@closeloop/runtime';
import { z } from 'zod';
import { Destination, describeDestination, DestinationSchema } from '../channels/alert-channel.port';
import { OutboundAddressPolicy } from '../channels/outbound-addresses';
import { assertNoTargetRefused, refusalOfTarget } from '../channels/outbound-targets';
import { OUTBOUND_ADDRESSES } from '../notification.config';
import { ContactOwner, ContactsRepository } from './contacts.repository';
import { OnCallRepository } from './on-call.repository';

const fieldIssues = (error: z.ZodError) =>
  error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));

const parse = <S extends z.ZodTypeAny>(schema: S, input: unknown, what: string): z.infer<S> => {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(`The ${what} is not valid`, fieldIssues(parsed.error));
  return parsed.data;
};

const SiteIdSchema = IdentifierSchema;

/** The site named in the request, once the caller is shown to work at it. */
const allowedSite = (request: Request, siteId: string | undefined, what: string): string => {
  const site = parse(SiteIdSchema, siteId, what);
  ensureSiteAllowed(principalOf(request), site);
  return site;
};

/** How saved destinations are shown back: the channel and a description, never a secret or a full address. */
const described = (destinations: readonly Destination[]) =>
  destinations.map((d) => ({ channel: d.channel, destination: describeDestination(d) }));
const LevelSchema = z.coerce.number().int().min(1).max(3);
const ContactsSchema = z.object({ destinations: z.array(DestinationSchema).max(7) }).strict();
const RotationBodySchema = RotationInputSchema;
// A fallback pages at least one channel: an empty list would silence the end of the chain; DELETE restores the default.
const FallbackSchema = z.object({ destinations: z.array(DestinationSchema).min(1).max(7) }).strict();

/**
 * On-call schedules per site and escalation level, edited while the service runs: rotations with daily or weekly
 * hand-offs, overrides for a swapped shift or a holiday, and where each person or site is paged.
 */
const READERS = ['on-call', 'supervisor', 'dispatcher', 'admin'] as const;
const EDITORS = ['supervisor', 'admin'] as const;

@Controller('v1/on-call')
@Access({ staff: READERS })
export class OnCallHttpController {
  constructor(
    private readonly schedules: OnCallRepository,
    private readonly contacts: ContactsRepository,
    private readonly clock: Clock,
    @Inject(OUTBOUND_ADDRESSES) private readonly addresses: OutboundAddressPolicy,
  ) {}

  @Get('rotations')
  async rotations(@Query('siteId') siteId: string | undefined, @Req() request: Request) {
    return { rotations: (await this.queriedSchedule(request, siteId)).rotations };
  }

  @Put('rotations/:id')
  @Access({ staff: EDITORS })
  async putRotation(@Param('id') id: string, @Body() body: unknown, @Req() request: Request) {
    if (!isUuid(id))
      throw new ValidationError('A rotation id is a UUID', [{ path: 'path:id', message: 'must be a UUID' }]);
    const caller = principalOf(request);
    const rotation = { id, ...parse(RotationBodySchema, body, 'rotation') };
    ensureSiteAllowed(caller, rotation.siteId);
    const existing = await this.schedules.rotation(id);
    if (existing) ensureSiteAllowed(caller, existing.siteId);
    await this.schedules.putRotation(rotation);
    return rotation;
  }

  @Delete('rotations/:id')
  @Access({ staff: EDITORS })
  @HttpCode(204)
  deleteRotation(@Param('id') id: string, @Req() request: Request) {
    return this.deleteEntry('Rotation', id, request);
  }

  @Get('overrides')
  async overrides(@Query('siteId') siteId: string | undefined, @Req() request: Request) {
    return { overrides: (await this.queriedSchedule(request, siteId)).overrides };
  }

  /** The schedule of the site the query names, once the caller is shown to work at it. */
  private queriedSchedule(request: Request, siteId: string | undefined): Promise<OnCallSchedule> {
    return this.schedules.scheduleOf(allowedSite(request, siteId, 'siteId query parameter'));
  }

  @Post('overrides')
  @Access({ staff: EDITORS })
  @HttpCode(201)
  async addOverride(@Body() body: unknown, @Req() request: Request) {
    const input = parse(OverrideInputSchema, body, 'override');
    ensureSiteAllowed(principalOf(request), input.siteId);
    return this.schedules.addOverride({ ...input, id: randomUUID() });
  }

  @Delete('overrides/:id')
  @Access({ staff: EDITORS })
  @HttpCode(204)
  deleteOverride(@Param('id') id: string, @Req() request: Request) {
    return this.deleteEntry('Override', id, request);
  }

  /** Deletes a rotation or an override; one at a site the caller does not see answers as if it did not exist. */
  private async deleteEntry(kind: 'Rotation' | 'Override', id: string, request: Request): Promise<void> {
    const rotation = kind === 'Rotation';
    const existing = !isUuid(id)
      ? undefined
      : rotation
        ? await this.schedules.rotation(id)
        : await this.schedules.override(id);
    if (!existing) throw new NotFoundError(kind, id);
    ensureSiteVisible(principalOf(request), existing.siteId, kind, id);
    await (rotation ? this.schedules.deleteRotation(id) : this.schedules.deleteOverride(id));
  }

  /** Who is on call for a site and level now, or at `at`. */
  @Get('now')
  async now(
    @Query('siteId') siteId: string | undefined,
    @Query('level') level: string | undefined,
    @Query('at') at: string | undefined,
    @Req() request: Request,
  ) {
    const site = allowedSite(request, siteId, 'siteId query parameter');
    const lvl = parse(LevelSchema, level ?? '1', 'level query parameter') as 1 | 2 | 3;
    const instant = at === undefined ? this.clock.now() : new Date(parse(InstantSchema, at, 'at query parameter'));
    const shift = whoIsOnCall(await this.schedules.scheduleOf(site), site, lvl, instant);
    if (!shift) throw new NotFoundError(`On-call shift for site ${site} level ${lvl}`, instant.toISOString());
    return { siteId: site, level: lvl, at: instant.toISOString(), ...shift };
  }

  /**
   * People keep their own channels; supervisors and admins keep those of people on call at their sites (put them
   * in a rotation or an override first), so nobody can redirect another site's pages.
   */
  @Put('contacts/staff/:staffId')
  @Access({ staff: ['dispatcher', 'technician', 'supervisor', 'on-call', 'admin'] })
  async putStaffContacts(@Param('staffId') staffId: string, @Body() body: unknown, @Req() request: Request) {
    const id = parse(StaffIdSchema, staffId, 'staff id');
    await this.ensureSelfOrTheirEditor(principalOf(request), id);
    return this.putContacts({ kind: 'staff', id }, body);
  }

  @Get('contacts/staff/:staffId')
  @Access({ staff: ['dispatcher', 'technician', 'supervisor', 'on-call', 'admin'] })
  async getStaffContacts(@Param('staffId') staffId: string, @Req() request: Request) {
    const id = parse(StaffIdSchema, staffId, 'staff id');
    await this.ensureSelfOrTheirEditor(principalOf(request), id);
    return this.getContacts({ kind: 'staff', id });
  }

  private async ensureSelfOrTheirEditor(caller: Principal, staffId: string): Promise<void> {
    if (caller.kind === 'staff' && caller.staffId === staffId) return;
    if (hasRole(caller, ...EDITORS) && (await this.schedules.isOnCallAtAnyOf(staffId, visibleSites(caller)))) return;
    throw new ForbiddenError(
      'Only the person themselves, or a supervisor or admin of a site they are on call for, may see or change these contact details',
      'NOT_YOURS',
    );
  }

  @Put('contacts/sites/:siteId')
  @Access({ staff: EDITORS })
  putSiteContacts(@Param('siteId') siteId: string, @Body() body: unknown, @Req() request: Request) {
    const site = allowedSite(request, siteId, 'site id');
    return this.putContacts({ kind: 'site', id: site }, body);
  }

  @Get('contacts/sites/:siteId')
  getSiteContacts(@Param('siteId') siteId: string, @Req() request: Request) {
    const site = allowedSite(request, siteId, 'site id');
    return this.getContacts({ kind: 'site', id: site });
  }

  /**
   * Who is paged when the site's escalation chain runs out (every delivery at level 3 dead; ADR 12), once on each of
   * these channels. Without one, the site's level-1 on-call person (the site supervisor on call) is paged, else its
   * dispatcher queue; DELETE returns the site to that default.
   */
  @Put('contacts/sites/:siteId/fallback')
  @Access({ staff: EDITORS })
  async putSiteFallback(@Param('siteId') siteId: string, @Body() body: unknown, @Req() request: Request) {
    const site = allowedSite(request, siteId, 'site id');
    const { destinations } = parse(FallbackSchema, body, 'fallback contact');
    await this.contacts.putFallback(site, destinations);
    return {
      siteId: site,
      destinations: described(destinations),
    };
  }

  @Get('contacts/sites/:siteId/fallback')
  async getSiteFallback(@Param('siteId') siteId: string, @Req() request: Request) {
    const site = allowedSite(request, siteId, 'site id');
    const destinations = await this.contacts.fallbackOf(site);
    if (!destinations) throw new NotFoundError('Fallback contact of site', site);
    return {
      siteId: site,
      destinations: described(destinations),
    };
  }

  @Delete('contacts/sites/:siteId/fallback')
  @Access({ staff: EDITORS })
  @HttpCode(204)
  async deleteSiteFallback(@Param('siteId') siteId: string, @Req() request: Request) {
    const site = allowedSite(request, siteId, 'site id');
    if (!(await this.contacts.deleteFallback(site))) throw new NotFoundError('Fallback contact of site', site);
  }

  private async putContacts(owner: ContactOwner, body: unknown) {
    const { destinations } = parse(ContactsSchema, body, 'contact details');
    await this.ensureReachable(destinations);
    await this.contacts.put(owner, destinations);
    return {
      owner,
      destinations: described(destinations),
    };
  }

  /**
   * The outbound address rule, at the door: a URL whose host is, or resolves to, a loopback, private, link-local
   * or metadata address is refused with 422 before anything is saved. The delivery checks again as it connects.
   */
  private async ensureReachable(destinations: readonly Destination[]): Promise<void> {
    const refusals = [];
    for (const [index, destination] of destinations.entries()) {
      if ('url' in destination)
        refusals.push(await refusalOfTarget(this.addresses, destination.url, `destinations.${index}.url`, 'alerts'));
    }
    assertNoTargetRefused(refusals);
  }

  /** Secrets and full addresses are written, never read back. */
  private async getContacts(owner: ContactOwner) {
    const destinations = await this.contacts.get(owner);
    if (!destinations) throw new NotFoundError(`Contact details of ${owner.kind}`, owner.id);
    return {
      owner,
      destinations: described(destinations),
    };
  }
}
