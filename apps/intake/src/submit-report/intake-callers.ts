import { Inject, Injectable } from '@nestjs/common';
import { IntegratorKeyStore, integratorIdOfSource, IntegratorScope } from '@closeloop/auth';
import { ForbiddenError, IntakeEventTypes } from '@closeloop/contracts';
import { AccessRule, ensureSiteAllowed, Principal } from '@closeloop/http';
import { Clock, PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

type IntakeEventType = (typeof IntakeEventTypes)[keyof typeof IntakeEventTypes];

/**
 * Who may pass on what a resident said (a report, a question, feedback): integrators (hotline, IVR, CRM, app) within
 * their key's scope, and the front desk's dispatchers.
 */
export const INTAKE_CALLERS: AccessRule = { integrator: true, staff: ['dispatcher', 'admin'] };

/**
 * Whether a caller may send this kind of event for this site: an integrator within its key's scope (403 outside
 * it), a staff member (front desk, dispatcher) for the sites they work for.
 */
export const authorizeIntake = (caller: Principal, siteId: string, eventType: IntakeEventType): void => {
  if (caller.kind === 'integrator') IntegratorScope.assert(caller, siteId, eventType);
  else ensureSiteAllowed(caller, siteId);
};

/** The event type an integrator needs in scope to relay what the resident said; the site is checked on the order. */
export const authorizeIntakeType = (caller: Principal, eventType: IntakeEventType): void => {
  if (caller.kind !== 'integrator') return;
  if (!caller.eventTypes.includes('*') && !caller.eventTypes.includes(eventType)) {
    throw new ForbiddenError(`Integrator ${caller.integratorId} may not send ${eventType}`, 'EVENT_TYPE_NOT_ALLOWED', {
      eventType,
    });
  }
};

/**
 * Integrators producing to the intake topic are named by their CloudEvents' source, `/integrators/<id>`; broker
 * ACLs (deploy/kafka-production) let only integrators' SCRAM users produce there at all, but the broker does not
 * pass on which one produced, so one registered integrator could name another (see that README). An unknown
 * source is refused, so the event goes to the dead-letter topic with the reason.
 */
@Injectable()
export class KafkaIntakeCallers {
  private readonly store: IntegratorKeyStore;

  constructor(@Inject(PG_POOL) pool: Pool, clock: Clock) {
    this.store = new IntegratorKeyStore(pool, () => clock.now());
  }

  async fromSource(source: string): Promise<Principal> {
    const integratorId = integratorIdOfSource(source);
    const scope = integratorId === undefined ? undefined : await this.store.findIntegrator(integratorId);
    if (!scope)
      throw new ForbiddenError(
        `The event source ${source.slice(0, 200)} is not a registered integrator (expected /integrators/<id>)`,
        'UNKNOWN_SOURCE',
      );
    return {
      kind: 'integrator',
      integratorId: scope.integratorId,
      keyId: 'kafka',
      sites: scope.sites,
      eventTypes: scope.eventTypes,
    };
  }
}
