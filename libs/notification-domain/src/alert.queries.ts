import { AlertChannel } from '@closeloop/contracts';

import { AlertFacts, AlertState, deliveryKey, TOP_LEVEL } from './alert.state';

// ── Queries ───────────────────────────────────────────────────────────────────────────────────────────────

/** Whether a send to this recipient on this channel may go out now: the alert is open and the key is not done. */
export const mayDeliver = (state: AlertState, staffId: string, channel: AlertChannel): boolean => {
  if (state.status !== 'open') return false;
  const key = deliveryKey(staffId, channel);
  return !state.delivered.includes(key) && !state.deadLettered.includes(key);
};

/** Whether the alert was sent to this staff member (on call, owner or dispatcher, or the chain's fallback). */
export const isAddressedTo = (state: AlertState, staffId: string): boolean =>
  state.status !== 'none' &&
  (state.recipients.some((recipient) => recipient.staffId === staffId) ||
    state.exhausted?.fallback.staffId === staffId);

/** The deliveries an alert was raised with: each recipient on each of their channels. */
export const deliveryKeysOf = (state: AlertFacts): string[] =>
  state.recipients.flatMap((r) => r.channels.map((channel) => deliveryKey(r.staffId, channel)));

/**
 * What a dead letter of this alert leads to. Below the top, the next level is paged about the unreachable person
 * (the same next-level alert whichever delivery died first: its identity is the order, target, level and round).
 * At the top there is nobody above: once every delivery is dead the chain has run out, and until then the live
 * deliveries may still reach someone. A chain that ran out already stays run out (its fallback's dead letter, or a
 * redelivery, asks again: `ExhaustChain` then records nothing, and the caller may queue the fallback's pages again,
 * idempotently, should it have crashed before). An alert no longer open leads nowhere.
 */
export type DeadLetterStep =
  | { readonly step: 'escalate'; readonly level: 1 | 2 | 3 }
  | { readonly step: 'exhaust' }
  | { readonly step: 'wait' }
  | { readonly step: 'none' };

export const nextStepAfterDeadLetter = (state: AlertState): DeadLetterStep => {
  if (state.status !== 'open') return { step: 'none' };
  // A warning goes to the owner, before any level: one that cannot reach them goes to level 2, as before (ADR 10).
  const level = state.level ?? 1;
  if (level < TOP_LEVEL) return { step: 'escalate', level: (level + 1) as 2 | 3 };
  const keys = deliveryKeysOf(state);
  return keys.every((key) => state.deadLettered.includes(key)) ? { step: 'exhaust' } : { step: 'wait' };
};
