import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ResidentKeys } from '@closeloop/auth';
import {
  CommandOrigin,
  EventTypes,
  maskPhone,
  NotFoundError,
  PriorityNeed,
  StaffMemberRef,
} from '@closeloop/contracts';
import { aggregateStream, EVENT_STORE, EventStore, handleCommand } from '@closeloop/event-store';
import { Clock } from '@closeloop/runtime';
import {
  PriorityResidentCommand,
  priorityResidentDecider,
  PriorityResidentState,
  priorityResidentStream,
} from '@closeloop/work-order-domain';
import { RESIDENT_KEYS } from '../intake.config';
import { SiteCalendar } from '../site-calendar';
import { ActivePriorityResident, PriorityResidentsRepository } from './priority-residents.repository';

export interface Registration {
  readonly siteId: string;
  readonly building?: string | undefined;
  readonly unit: string;
  readonly phone: string;
  readonly name?: string | undefined;
  readonly need: PriorityNeed;
  readonly consent: { readonly givenBy: string; readonly givenOn: string };
  readonly reviewOn: string;
}

/**
 * The priority registry's command path (ADR 28): each registration a `priority-resident-<id>` stream, decided by
 * the one decider kernel, and intake's table of active registrations written from the stream's state after every
 * command. The phone is turned into its keyed digest and masked form here, at the edge of the domain, and goes no
 * further whole.
 */
@Injectable()
export class PriorityRegistryHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly calendar: SiteCalendar,
    @Inject(RESIDENT_KEYS) private readonly keys: ResidentKeys,
    private readonly residents: PriorityResidentsRepository,
  ) {}

  async register(
    registration: Registration,
    recordedBy: StaffMemberRef,
    context: CommandOrigin,
  ): Promise<ActivePriorityResident> {
    const registrationId = randomUUID();
    const now = this.clock.now();
    const { phone, consent, ...rest } = registration;
    await this.run(registrationId, context, () => ({
      type: 'RegisterPriorityResident',
      registrationId,
      ...rest,
      phoneDigest: this.keys.phoneDigest(phone),
      phoneMasked: maskPhone(phone),
      consent: { ...consent, recordedBy },
      today: this.today(now),
      now,
    }));
    const active = await this.residents.find(registrationId);
    if (!active) throw new Error(`registration ${registrationId} was appended but not kept`);
    return active;
  }

  /** Removes a registration of a site the caller may act for (`allowed`); another site's answers as unknown. */
  async remove(
    registrationId: string,
    reason: string,
    removedBy: StaffMemberRef,
    allowed: (siteId: string) => boolean,
    context: CommandOrigin,
  ): Promise<void> {
    await this.run(
      registrationId,
      context,
      () => ({ type: 'RemovePriorityResident', reason, removedBy, now: this.clock.now() }),
      (state) => {
        if (state.status === 'none' || !allowed(state.siteId)) throw new NotFoundError('Registration', registrationId);
      },
    );
  }

  /** Lapses a registration whose review date has come; nothing when it was removed meanwhile. */
  async expire(registrationId: string, context: CommandOrigin): Promise<void> {
    const now = this.clock.now();
    await this.run(registrationId, context, () => ({ type: 'ExpirePriorityResident', today: this.today(now), now }));
  }

  today(now: Date = this.clock.now()): string {
    return this.calendar.dateAt(now);
  }

  /** One command on one registration, then its row written from the state the stream is in, whatever the outcome. */
  private async run(
    registrationId: string,
    context: CommandOrigin,
    command: (state: PriorityResidentState) => PriorityResidentCommand | undefined,
    authorize?: (state: PriorityResidentState) => void,
  ): Promise<void> {
    try {
      await handleCommand(this.store, priorityResidentDecider, {
        streamId: priorityResidentStream(registrationId),
        command,
        // The stream's key on workorders.events: a registration's events stay in order on one partition.
        metadata: { workOrderId: registrationId, ...context, producer: 'intake' },
        authorize,
      });
    } finally {
      await this.follow(registrationId);
    }
  }

  /**
   * Brings the row in line with the stream: kept while the registration is active, gone once it ended (or never
   * began). Run after every command, refused ones too, so a row a crash left behind is put right by the next one.
   */
  async follow(registrationId: string): Promise<void> {
    const { state, events } = await aggregateStream(
      this.store,
      priorityResidentStream(registrationId),
      priorityResidentDecider,
    );
    const registered = events.find((e) => e.type === EventTypes.PriorityResidentRegistered);
    if (state.status !== 'active' || registered?.type !== EventTypes.PriorityResidentRegistered)
      return this.residents.remove(registrationId);
    await this.residents.put(registered.data);
  }
}
