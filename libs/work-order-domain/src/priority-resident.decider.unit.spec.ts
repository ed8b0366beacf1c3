import { CloseloopError, EventTypes, PriorityResidentEvent, ValidationError } from '@closeloop/contracts';
import { deciderSpec } from '@closeloop/testing';
import { PriorityResidentCommand, priorityResidentDecider } from './priority-resident.decider';

const { given } = deciderSpec(priorityResidentDecider);

const registrationId = '0f7d8a63-2d0c-4bde-8a8a-2f1b3c4d5e6f';
const staff = { staffId: 'disp-1', name: 'Wang Fang' };
const now = new Date('2026-12-05T02:00:00.000Z');
const digest = 'a'.repeat(64);

/** The registration as staff give it, which the command carries and the event records unchanged. */
const registration = {
  registrationId,
  siteId: 'site-1',
  building: '3',
  unit: '1202',
  phoneDigest: digest,
  phoneMasked: '138****8000',
  need: 'elderly-living-alone',
  consent: { givenBy: 'the resident', recordedBy: staff, givenOn: '2026-12-05' },
  reviewOn: '2027-06-05',
} as const;

const register: PriorityResidentCommand = {
  type: 'RegisterPriorityResident',
  ...registration,
  today: '2026-12-05',
  now,
};

const registered: PriorityResidentEvent = {
  type: EventTypes.PriorityResidentRegistered,
  data: { ...registration, registeredAt: now.toISOString() },
};

describe('a priority registration', () => {
  describe('not yet registered', () => {
    it('is registered with the consent, the masked phone and its digest, never the phone', () => {
      const state = given([]).when(register).then([registered]);
      expect(state).toEqual({
        status: 'active',
        registrationId,
        siteId: 'site-1',
        need: 'elderly-living-alone',
        reviewOn: '2027-06-05',
      });
    });

    it.each(['2026-12-05', '2028-12-06'])('refuses review date %s: not in the next two years', (reviewOn) => {
      given([])
        .when({ ...register, reviewOn })
        .thenThrows(ValidationError);
    });

    it('cannot be removed or expired', () => {
      given([])
        .when({ type: 'RemovePriorityResident', reason: 'moved out', removedBy: staff, now })
        .thenThrows(CloseloopError, { code: 'REGISTRATION_NOT_ACTIVE' });
      given([]).when({ type: 'ExpirePriorityResident', today: '2030-01-01', now }).then([]);
    });
  });

  describe('active', () => {
    it('is removed, with the reason and who removed it', () => {
      const state = given([registered])
        .when({ type: 'RemovePriorityResident', reason: 'moved to a care home', removedBy: staff, now })
        .then([
          {
            type: EventTypes.PriorityResidentRemoved,
            data: {
              registrationId,
              siteId: 'site-1',
              reason: 'moved to a care home',
              removedBy: staff,
              removedAt: now.toISOString(),
            },
          },
        ]);
      expect(state).toMatchObject({ status: 'ended', how: 'removed' });
    });

    it('expires on its review date, and not before', () => {
      given([registered]).when({ type: 'ExpirePriorityResident', today: '2027-06-04', now }).then([]);
      const state = given([registered])
        .when({ type: 'ExpirePriorityResident', today: '2027-06-05', now })
        .then([
          {
            type: EventTypes.PriorityResidentExpired,
            data: { registrationId, siteId: 'site-1', reviewOn: '2027-06-05', expiredAt: now.toISOString() },
          },
        ]);
      expect(state).toMatchObject({ status: 'ended', how: 'expired' });
    });

    it('cannot be registered twice', () => {
      given([registered]).when(register).thenThrows(CloseloopError, { code: 'REGISTRATION_EXISTS' });
    });
  });

  describe('ended', () => {
    const removed: PriorityResidentEvent = {
      type: EventTypes.PriorityResidentRemoved,
      data: { registrationId, siteId: 'site-1', reason: 'moved', removedBy: staff, removedAt: now.toISOString() },
    };

    it('is neither removed again nor expired', () => {
      given([registered, removed])
        .when({ type: 'RemovePriorityResident', reason: 'again', removedBy: staff, now })
        .thenThrows(CloseloopError, { code: 'REGISTRATION_NOT_ACTIVE' });
      given([registered, removed]).when({ type: 'ExpirePriorityResident', today: '2030-01-01', now }).then([]);
    });
  });
});
