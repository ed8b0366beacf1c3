import {
  activeTraceContext,
  AppendResult,
  EventStore,
  ExpectedVersion,
  inTraceContext,
  NewEvent,
  StreamAppend,
} from '@closeloop/event-store';

interface WaitingAppend {
  readonly append: StreamAppend;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** Appends per multi-stream append at most: a bound on one statement's size, far above the in-flight bound. */
const MAX_GROUP = 64;

/**
 * Group commit of concurrent reports (docs/adr/0043-pipeline-throughput.md): while one append is on its way to
 * PostgreSQL, the reports that reach their append wait, and then go together in one multi-stream append (one
 * statement, one transaction, one commit) instead of one transaction each. There is no linger: a report alone is
 * appended at once, and a group forms only from reports that would otherwise have queued for the database anyway.
 * Each append keeps its own expectation and gets its own outcome: a stream another writer created first gets its
 * typed conflict, and the others are appended all the same. A group that fails as a whole (a repeated event id,
 * the database gone) is tried again one append at a time, so one report's failure is never another's.
 */
export class GroupedAppends {
  private waiting: WaitingAppend[] = [];
  private sending = false;

  constructor(private readonly store: EventStore) {}

  append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    // The report's own trace context goes with it: the group is sent from whichever report started the sending loop.
    const traceContext = activeTraceContext();
    return new Promise<AppendResult>((resolve, reject) => {
      this.waiting.push({ append: { streamId, events, expected, traceContext }, resolve, reject });
      if (!this.sending) void this.sendWaiting();
    });
  }

  private async sendWaiting(): Promise<void> {
    this.sending = true;
    try {
      while (this.waiting.length > 0) await this.send(this.nextGroup());
    } finally {
      this.sending = false;
    }
  }

  /** The waiting appends to distinct streams, oldest first (a multi-stream append takes each stream once). */
  private nextGroup(): WaitingAppend[] {
    const streams = new Set<string>();
    const group: WaitingAppend[] = [];
    const rest: WaitingAppend[] = [];
    for (const waiting of this.waiting) {
      if (group.length < MAX_GROUP && !streams.has(waiting.append.streamId)) {
        streams.add(waiting.append.streamId);
        group.push(waiting);
      } else rest.push(waiting);
    }
    this.waiting = rest;
    return group;
  }

  private async send(group: readonly WaitingAppend[]): Promise<void> {
    if (group.length > 1) {
      try {
        const outcomes = await this.store.appendMany(group.map((g) => g.append));
        outcomes.forEach((outcome, i) => {
          const waiting = group[i] as WaitingAppend;
          if ('appended' in outcome) waiting.resolve(outcome.appended);
          else waiting.reject(outcome.conflict);
        });
        return;
      } catch {
        // Nothing of the group was appended (PostgreSQL appends all or nothing): each on its own, below.
      }
    }
    await Promise.all(
      group.map(({ append, resolve, reject }) =>
        inTraceContext(append.traceContext, () =>
          this.store.append(append.streamId, append.events, append.expected),
        ).then(resolve, reject),
      ),
    );
  }
}
