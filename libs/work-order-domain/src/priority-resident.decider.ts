import {
  CloseloopError,
  Decider,
  EventTypes,
  PriorityNeed,
  PriorityResidentEvent,
  StaffMemberRef,
  ValidationError,
} from '@closeloop/contracts';

// ── The priority registry: one stream per registration (`priority-resident-<id>`, intake) ────────────────────
// A registration is active from its registration until staff remove it or its review date passes; then it has
// ended, for good: a resident registered again gets a new registration, so each stream tells one consent's story.

export const priorityResidentStream = (registrationId: string): string => `priority-resident-${registrationId}`;

export type PriorityResidentState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active';
      readonly registrationId: string;
      readonly siteId: string;
      readonly need: PriorityNeed;
      readonly reviewOn: string;
    }
  | {
      readonly status: 'ended';
      readonly registrationId: string;
      readonly siteId: string;
      readonly how: 'removed' | 'expired';
    };

export type PriorityResidentCommand =
  | {
      readonly type: 'RegisterPriorityResident';
      readonly registrationId: string;
      readonly siteId: string;
      readonly building?: string | undefined;
      readonly unit: string;
      readonly phoneDigest: string;
      readonly phoneMasked: string;
      readonly name?: string | undefined;
      readonly need: PriorityNeed;
      readonly consent: { readonly givenBy: string; readonly recordedBy: StaffMemberRef; readonly givenOn: string };
      readonly reviewOn: string;
      /** The site's date today: a review date must lie ahead of it. */
      readonly today: string;
      readonly now: Date;
    }
  | {
      readonly type: 'RemovePriorityResident';
      readonly reason: string;
      readonly removedBy: StaffMemberRef;
      readonly now: Date;
    }
  /** The review date came: `today` is the site's date; the registration lapses on `reviewOn` unless renewed before. */
  | { readonly type: 'ExpirePriorityResident'; readonly today: string; readonly now: Date };

const decide = (command: PriorityResidentCommand, state: PriorityResidentState): PriorityResidentEvent[] => {
  switch (command.type) {
    case 'RegisterPriorityResident': {
      if (state.status !== 'none')
        throw new CloseloopError(
          'conflict',
          'REGISTRATION_EXISTS',
          `Registration ${state.registrationId} exists already`,
        );
      // Consent is asked again at least every two years: a registration nobody reviews lapses.
      const latest = `${Number(command.today.slice(0, 4)) + 2}${command.today.slice(4)}`;
      if (command.reviewOn <= command.today || command.reviewOn > latest)
        throw new ValidationError('The review date must lie within the next two years', [
          { path: 'reviewOn', message: `must be after ${command.today} and no later than ${latest}` },
        ]);
      const { type: _type, today: _today, now, ...data } = command;
      return [
        {
          type: EventTypes.PriorityResidentRegistered,
          data: {
            ...data,
            ...(data.building === undefined ? {} : { building: data.building }),
            registeredAt: now.toISOString(),
          },
        },
      ];
    }
    case 'RemovePriorityResident':
      if (state.status !== 'active')
        throw new CloseloopError('conflict', 'REGISTRATION_NOT_ACTIVE', 'The registration is not active');
      return [
        {
          type: EventTypes.PriorityResidentRemoved,
          data: {
            registrationId: state.registrationId,
            siteId: state.siteId,
            reason: command.reason,
            removedBy: command.removedBy,
            removedAt: command.now.toISOString(),
          },
        },
      ];
    case 'ExpirePriorityResident':
      // Removed meanwhile, or its review date still ahead: nothing to do (the worker may find it late or twice).
      if (state.status !== 'active' || state.reviewOn > command.today) return [];
      return [
        {
          type: EventTypes.PriorityResidentExpired,
          data: {
            registrationId: state.registrationId,
            siteId: state.siteId,
            reviewOn: state.reviewOn,
            expiredAt: command.now.toISOString(),
          },
        },
      ];
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${(unknown as { type: string }).type}`);
    }
  }
};

const evolve = (_state: PriorityResidentState, event: PriorityResidentEvent): PriorityResidentState => {
  switch (event.type) {
    case EventTypes.PriorityResidentRegistered: {
      const { registrationId, siteId, need, reviewOn } = event.data;
      return { status: 'active', registrationId, siteId, need, reviewOn };
    }
    case EventTypes.PriorityResidentRemoved:
      return { status: 'ended', registrationId: event.data.registrationId, siteId: event.data.siteId, how: 'removed' };
    case EventTypes.PriorityResidentExpired:
      return { status: 'ended', registrationId: event.data.registrationId, siteId: event.data.siteId, how: 'expired' };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
};

export const priorityResidentDecider: Decider<PriorityResidentState, PriorityResidentCommand, PriorityResidentEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'none' }),
};
