import { EventTypes, SlaEvent, SlaTarget } from '@closeloop/contracts';
import { SlaState, TargetClock } from './sla-clock.state';
import { SlaPolicy } from './sla-policy';

// ── Evolve ────────────────────────────────────────────────────────────────────────────────────────────────

const clockFor = (startedAt: string, dueAt: string, warningFraction: number, warnAt?: string): TargetClock => {
  // Events from before warning times were recorded warn at the fraction of the elapsed time.
  const start = Date.parse(startedAt);
  const warning = warnAt ?? new Date(start + (Date.parse(dueAt) - start) * warningFraction).toISOString();
  return { dueAt, warnAt: warning, outcome: 'running', warned: false, level: 0, escalationAcknowledged: false };
};

/** A target's clock under a recomputed policy: the deadline and warning the recompute moved, the rest as it was. */
const recomputed = <C extends TargetClock>(clock: C, dueAt: string | undefined, warnAt: string | undefined): C => ({
  ...clock,
  dueAt: dueAt ?? clock.dueAt,
  warnAt: warnAt ?? clock.warnAt,
});

export const evolveClocks =
  (policy: Pick<SlaPolicy, 'warningFraction'>) =>
  (state: SlaState, event: SlaEvent): SlaState => {
    if (event.type === EventTypes.SlaTargetsSet) {
      const d = event.data;
      return {
        status: 'running',
        tier: d.tier,
        policyId: d.policyId,
        policyVersion: d.policyVersion ?? 1,
        siteId: d.siteId,
        category: d.category,
        response: {
          ...clockFor(d.startedAt, d.responseDueAt, policy.warningFraction, d.responseWarnAt),
          startedAt: d.startedAt,
        },
        resolution: {
          ...clockFor(d.startedAt, d.resolutionDueAt, policy.warningFraction, d.resolutionWarnAt),
          startedAt: d.startedAt,
          pauses: [],
          round: 0,
        },
      };
    }
    if (state.status !== 'running') return state;
    const update = (target: SlaTarget, change: Partial<TargetClock>): SlaState =>
      target === 'response'
        ? { ...state, response: { ...state.response, ...change } }
        : { ...state, resolution: { ...state.resolution, ...change } };
    switch (event.type) {
      case EventTypes.SlaWarningRaised:
        return update(event.data.target, { warned: true });
      case EventTypes.SlaBreached:
        return update(event.data.target, { outcome: 'breached' });
      case EventTypes.SlaEscalated:
        return update(event.data.target, { level: event.data.level });
      case EventTypes.SlaTargetMet:
        return update(event.data.target, { outcome: 'met' });
      case EventTypes.SlaClockPaused:
        return { ...state, resolution: { ...state.resolution, pausedSince: event.data.pausedAt } };
      case EventTypes.SlaClockResumed: {
        const { resolution } = state;
        const warnAt =
          event.data.resolutionWarnAt ??
          new Date(Date.parse(resolution.warnAt) + event.data.pausedSeconds * 1000).toISOString();
        const pauses = resolution.pausedSince
          ? [...resolution.pauses, { from: resolution.pausedSince, to: event.data.resumedAt }]
          : resolution.pauses;
        return {
          ...state,
          resolution: { ...resolution, pausedSince: undefined, pauses, dueAt: event.data.resolutionDueAt, warnAt },
        };
      }
      case EventTypes.SlaDeadlinesRecomputed: {
        const { policyId, policyVersion, responseDueAt, responseWarnAt, resolutionDueAt, resolutionWarnAt } =
          event.data;
        return {
          ...state,
          policyId,
          policyVersion,
          response: recomputed(state.response, responseDueAt, responseWarnAt),
          resolution: recomputed(state.resolution, resolutionDueAt, resolutionWarnAt),
        };
      }
      case EventTypes.SlaEscalationAcknowledged:
        return update(event.data.target, { escalationAcknowledged: true });
      case EventTypes.SlaClockStopped:
        return { status: 'stopped' };
      case EventTypes.SlaClockRestarted:
        return {
          ...state,
          resolution: {
            ...clockFor(
              event.data.restartedAt,
              event.data.resolutionDueAt,
              policy.warningFraction,
              event.data.resolutionWarnAt,
            ),
            startedAt: event.data.restartedAt,
            pauses: [],
            round: event.data.round,
          },
        };
      default: {
        const unhandled: never = event;
        throw new Error(`unhandled SLA event ${JSON.stringify(unhandled)}`);
      }
    }
  };
