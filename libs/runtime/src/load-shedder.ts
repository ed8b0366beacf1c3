import { CallerOverShareError, CloseloopError, OverloadedError } from '@closeloop/contracts';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export interface LoadSheddingOptions {
  /** Requests worked on at once; those beyond wait in the queue. */
  readonly maxInFlight: number;
  /** Requests that may wait for a slot; one more is refused at once. 0: none waits. */
  readonly maxQueued: number;
  /** A request that waited this long for a slot is refused, nothing of it done: the bound on time spent queued. */
  readonly maxQueueWaitMillis: number;
  /** While more than this many callers wait for a database connection, new requests are refused at once. */
  readonly maxPoolWaiters: number;
  /** While the event loop runs later than this (the process is short of CPU), new requests are refused at once. */
  readonly maxEventLoopLagMillis: number;
  /**
   * While requests wait, a caller that already holds this fraction of (maxInFlight + maxQueued) is refused with 429
   * as long as another caller holds a request too; 1 turns the per-caller share off.
   */
  readonly callerShare: number;
}

export interface LoadShedderProbes {
  /** Callers waiting for a database connection (pg's Pool#waitingCount). */
  readonly poolWaiters: () => number;
  /** How late the event loop runs now, in milliseconds (EventLoopLag). */
  readonly eventLoopLag: () => number;
  readonly now?: () => number;
  /** 0 ≤ x < 1; spreads the retries of callers refused together. */
  readonly random?: () => number;
}

export type Admission =
  | { readonly kind: 'admitted' }
  | { readonly kind: 'refused'; readonly error: CloseloopError; readonly reason: ShedReason }
  /** The caller went away while it waited: nothing was done and nobody is left to answer. */
  | { readonly kind: 'abandoned' };

export type ShedReason = 'queue-full' | 'queue-timeout' | 'pool-waiters' | 'event-loop-lag' | 'caller-share';

/** One request's passage: `admission` settles once; `leave` ends it (releases its slot or drops its place in the queue). */
export interface Ticket {
  readonly admission: Promise<Admission>;
  leave(): void;
}

export interface LoadShedderStats {
  readonly inFlight: number;
  readonly queued: number;
  readonly serviceMillis: number;
  readonly shed: Readonly<Record<ShedReason, number>>;
}

/** What a slot is worth before any request has finished: a first guess the moving average soon replaces. */
const INITIAL_SERVICE_MILLIS = 50;
const SERVICE_MILLIS_WEIGHT = 0.1;
const MIN_RETRY_MILLIS = 50;
const MAX_RETRY_MILLIS = 30_000;

interface Waiter {
  readonly settle: (admission: Admission) => void;
  timer?: NodeJS.Timeout;
}

/**
 * Admission control for a service's HTTP requests: at most `maxInFlight` are worked on at once, at most `maxQueued`
 * wait for a slot, none waits longer than `maxQueueWaitMillis`, and none starts while the database pool already has
 * more than `maxPoolWaiters` callers queued or the event loop runs more than `maxEventLoopLagMillis` late. A refused
 * request is refused before any of it ran, so it wrote nothing; an admitted one runs on a slot it keeps until its
 * response ends, so it is not starved of the connections it needs and finishes. Retry advice is the time the backlog ahead takes to drain at the service time measured (a moving
 * average), with up to half again of jitter so callers refused together do not come back together.
 */
export class LoadShedder {
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private readonly byCaller = new Map<string, number>();
  private serviceMillis = INITIAL_SERVICE_MILLIS;
  private readonly shed: Record<ShedReason, number> = {
    'queue-full': 0,
    'queue-timeout': 0,
    'pool-waiters': 0,
    'event-loop-lag': 0,
    'caller-share': 0,
  };
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly options: LoadSheddingOptions,
    private readonly probes: LoadShedderProbes,
  ) {
    const problems = validate(options);
    if (problems.length > 0) throw new Error(`load shedding: ${problems.join('; ')}`);
    this.now = probes.now ?? Date.now;
    this.random = probes.random ?? Math.random;
  }

  /** Asks for a slot for a request of `caller` (an API key id; undefined when it cannot be told apart). */
  enter(caller: string | undefined): Ticket {
    let state: 'waiting' | 'admitted' | 'done' = 'waiting';
    let startedAt = 0;
    let waiter: Waiter | undefined;
    const admit = () => {
      state = 'admitted';
      startedAt = this.now();
      this.inFlight++;
    };
    const admission = new Promise<Admission>((resolve) => {
      const refused = this.refusal(caller);
      if (refused) {
        state = 'done';
        this.shed[refused.reason]++;
        return resolve({ kind: 'refused', ...refused });
      }
      this.count(caller, +1);
      if (this.inFlight < this.options.maxInFlight && this.queue.length === 0) {
        admit();
        return resolve({ kind: 'admitted' });
      }
      const entry: Waiter = {
        settle: (outcome) => {
          if (entry.timer) clearTimeout(entry.timer);
          if (outcome.kind === 'admitted') admit();
          else {
            state = 'done';
            this.count(caller, -1);
          }
          resolve(outcome);
        },
      };
      entry.timer = setTimeout(() => {
        this.remove(entry);
        this.shed['queue-timeout']++;
        entry.settle({
          kind: 'refused',
          reason: 'queue-timeout',
          error: new OverloadedError(
            this.retryMillis(this.queue.length),
            `no slot within ${this.options.maxQueueWaitMillis} ms`,
          ),
        });
      }, this.options.maxQueueWaitMillis);
      entry.timer.unref();
      waiter = entry;
      this.queue.push(entry);
    });
    const leave = () => {
      if (state === 'waiting' && waiter) {
        this.remove(waiter);
        waiter.settle({ kind: 'abandoned' });
      } else if (state === 'admitted') {
        state = 'done';
        this.inFlight--;
        this.count(caller, -1);
        this.serviceMillis += SERVICE_MILLIS_WEIGHT * (this.now() - startedAt - this.serviceMillis);
        this.queue.shift()?.settle({ kind: 'admitted' });
      }
    };
    return { admission, leave };
  }

  stats(): LoadShedderStats {
    return {
      inFlight: this.inFlight,
      queued: this.queue.length,
      serviceMillis: Math.round(this.serviceMillis),
      shed: { ...this.shed },
    };
  }

  private refusal(caller: string | undefined): { error: CloseloopError; reason: ShedReason } | undefined {
    const { maxInFlight, maxQueued, maxPoolWaiters, maxEventLoopLagMillis, callerShare } = this.options;
    const poolWaiters = this.probes.poolWaiters();
    if (poolWaiters > maxPoolWaiters) {
      return {
        reason: 'pool-waiters',
        error: new OverloadedError(
          this.retryMillis(this.queue.length + poolWaiters),
          `${poolWaiters} waiting for a database connection`,
        ),
      };
    }
    const lag = this.probes.eventLoopLag();
    if (lag > maxEventLoopLagMillis) {
      // What is queued in the loop must drain first: at least as long as it is late now.
      return {
        reason: 'event-loop-lag',
        error: new OverloadedError(
          this.retryMillis(this.queue.length) + lag,
          `the event loop runs ${Math.round(lag)} ms late`,
        ),
      };
    }
    if (this.inFlight < maxInFlight && this.queue.length === 0) return undefined;
    const held = caller === undefined ? 0 : (this.byCaller.get(caller) ?? 0);
    const others = this.inFlight + this.queue.length - held;
    if (
      caller !== undefined &&
      callerShare < 1 &&
      others > 0 &&
      held >= Math.max(1, Math.floor(callerShare * (maxInFlight + maxQueued)))
    ) {
      return { reason: 'caller-share', error: new CallerOverShareError(this.retryMillis(held)) };
    }
    if (this.queue.length >= maxQueued)
      return { reason: 'queue-full', error: new OverloadedError(this.retryMillis(this.queue.length), 'queue full') };
    return undefined;
  }

  /** How long `ahead` requests take to drain through every slot, plus one's own turn, with jitter; clamped. */
  private retryMillis(ahead: number): number {
    const drain = ((ahead + 1) * this.serviceMillis) / this.options.maxInFlight;
    return Math.round(Math.min(MAX_RETRY_MILLIS, Math.max(MIN_RETRY_MILLIS, drain * (1 + this.random() / 2))));
  }

  private count(caller: string | undefined, delta: 1 | -1): void {
    if (caller === undefined) return;
    const held = (this.byCaller.get(caller) ?? 0) + delta;
    if (held > 0) this.byCaller.set(caller, held);
    else this.byCaller.delete(caller);
  }

  private remove(waiter: Waiter): void {
    const index = this.queue.indexOf(waiter);
    if (index >= 0) this.queue.splice(index, 1);
  }
}

const validate = (options: LoadSheddingOptions): string[] => {
  const problems: string[] = [];
  if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1)
    problems.push(`maxInFlight must be a whole number ≥ 1 (got ${options.maxInFlight})`);
  if (!Number.isInteger(options.maxQueued) || options.maxQueued < 0)
    problems.push(`maxQueued must be a whole number ≥ 0 (got ${options.maxQueued})`);
  if (!Number.isInteger(options.maxQueueWaitMillis) || options.maxQueueWaitMillis < 1)
    problems.push(`maxQueueWaitMillis must be a whole number ≥ 1 (got ${options.maxQueueWaitMillis})`);
  if (!Number.isInteger(options.maxPoolWaiters) || options.maxPoolWaiters < 0)
    problems.push(`maxPoolWaiters must be a whole number ≥ 0 (got ${options.maxPoolWaiters})`);
  if (!Number.isInteger(options.maxEventLoopLagMillis) || options.maxEventLoopLagMillis < 1) {
    problems.push(`maxEventLoopLagMillis must be a whole number ≥ 1 (got ${options.maxEventLoopLagMillis})`);
  }
  if (!(options.callerShare > 0 && options.callerShare <= 1))
    problems.push(`callerShare must be more than 0 and at most 1 (got ${options.callerShare})`);
  return problems;
};

export interface LoadSheddingRoutes {
  /** Paths never shed (health and docs): an orchestrator must see the service alive precisely when it is busy. */
  readonly exempt: (path: string) => boolean;
  /** Who sent the request, for the per-caller share; undefined puts it under the overall bound only. */
  readonly callerOf: (request: Request) => string | undefined;
}

/**
 * The shedder as Express middleware, before authentication and the rate limiter's query: a refused request costs no
 * database round trip. The slot is held until the response has been sent (or the connection closed); a caller that
 * hangs up while queued leaves the queue and nothing of its request runs.
 */
export const loadShedding = (shedder: LoadShedder, routes: LoadSheddingRoutes): RequestHandler => {
  return (request: Request, response: Response, next: NextFunction) => {
    if (routes.exempt(request.path)) return next();
    const ticket = shedder.enter(routes.callerOf(request));
    response.once('close', ticket.leave);
    void ticket.admission.then((admission) => {
      if (admission.kind === 'admitted') next();
      else if (admission.kind === 'refused') next(admission.error);
    });
  };
};
