import { randomBytes, randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ForbiddenError, NotFoundError, ValidationError } from '@closeloop/contracts';
import { Access, isUuid, principalOf } from '@closeloop/http';
import type { IntegratorPrincipal } from '@closeloop/auth';
import type { Request } from 'express';
import { z } from 'zod';
import { OutboundAddressPolicy } from '../channels/outbound-addresses';
import { assertNoTargetRefused, refusalOfTarget } from '../channels/outbound-targets';
import { OUTBOUND_ADDRESSES } from '../notification.config';
import { assertSubscribable, SubscriptionRequestSchema } from './subscription-scope';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookSubscription, WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';

const issuesOf = (error: z.ZodError) =>
  error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));

const LogQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

/** A Standard Webhooks secret: "whsec_" and base64 of 32 random bytes. */
const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

const shown = (s: WebhookSubscription) => ({
  id: s.subscriptionId,
  url: s.url,
  sites: s.sites,
  eventTypes: s.eventTypes,
  createdAt: s.createdAt.toISOString(),
  links: { deliveries: `/v1/subscriptions/${s.subscriptionId}/deliveries` },
});

const integratorOf = (request: Request): IntegratorPrincipal => {
  const caller = principalOf(request);
  if (caller.kind !== 'integrator')
    throw new ForbiddenError('Only integrators subscribe to their orders', 'INTEGRATORS_ONLY');
  return caller;
};

/**
 * Integrators' webhook subscriptions (docs/adr/0030): the work-order events of their sites, POSTed to a URL of
 * theirs and signed with a secret shown once. Each integrator sees and deletes only its own; another's id is 404.
 */
@Controller('v1/subscriptions')
@Access({ integrator: true })
export class SubscriptionsHttpController {
  constructor(
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    @Inject(OUTBOUND_ADDRESSES) private readonly addresses: OutboundAddressPolicy,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown, @Req() request: Request) {
    const caller = integratorOf(request);
    const parsed = SubscriptionRequestSchema.safeParse(body ?? {});
    if (!parsed.success) throw new ValidationError('The subscription is not valid', issuesOf(parsed.error));
    const wanted = parsed.data;
    assertSubscribable(caller, wanted);
    await this.checkTarget(wanted.url);
    const secret = newSecret();
    const created = await this.subscriptions.create({
      subscriptionId: randomUUID(),
      integratorId: caller.integratorId,
      createdByKey: caller.keyId,
      sites: [...new Set(wanted.sites)],
      eventTypes: [...new Set(wanted.eventTypes)],
      url: wanted.url,
      secret,
    });
    // The one time the secret is shown: only the signer keeps it.
    return { ...shown(created), secret };
  }

  @Get()
  async list(@Req() request: Request) {
    const caller = integratorOf(request);
    return { subscriptions: (await this.subscriptions.listOf(caller.integratorId)).map(shown) };
  }

  @Get(':id')
  async get(@Param('id') id: string, @Req() request: Request) {
    return shown(await this.own(request, id));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Req() request: Request): Promise<void> {
    const caller = integratorOf(request);
    if (!isUuid(id) || !(await this.subscriptions.delete(caller.integratorId, id)))
      throw new NotFoundError('Subscription', id);
  }

  @Get(':id/deliveries')
  async log(@Param('id') id: string, @Query() query: Record<string, unknown>, @Req() request: Request) {
    const subscription = await this.own(request, id);
    const parsed = LogQuerySchema.safeParse(query);
    if (!parsed.success) throw new ValidationError('The query is not valid', issuesOf(parsed.error));
    const entries = await this.deliveries.logOf(subscription.subscriptionId, parsed.data.limit);
    return {
      subscriptionId: subscription.subscriptionId,
      deliveries: entries.map((e) => ({
        ...e,
        nextAttemptAt: e.nextAttemptAt?.toISOString() ?? null,
        createdAt: e.createdAt.toISOString(),
        finishedAt: e.finishedAt?.toISOString() ?? null,
      })),
    };
  }

  private async own(request: Request, id: string): Promise<WebhookSubscription> {
    const caller = integratorOf(request);
    const found = isUuid(id) ? await this.subscriptions.find(caller.integratorId, id) : undefined;
    if (!found) throw new NotFoundError('Subscription', id);
    return found;
  }

  /**
   * The target must be a public address (SSRF, docs/adr/0017): resolved and checked now, and again at every delivery
   * on the addresses the connection uses, so a name that later resolves inside the network is still refused.
   */
  private async checkTarget(url: string): Promise<void> {
    assertNoTargetRefused([await refusalOfTarget(this.addresses, url, 'url', 'webhooks')]);
  }
}
