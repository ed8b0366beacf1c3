import { Injectable } from '@nestjs/common';
import { Clock } from '@closeloop/runtime';
import { formatWorkOrderNumber } from '@closeloop/work-order-domain';
import { NumberSequencesRepository } from './number-sequences.repository';

/** The most numbers one instance takes for a site's day at once: the most a stop or the day's end can leave unused. */
export const MAX_NUMBER_BLOCK = 100;

/** A number in hand, to be given back when the report turns out not to need it. */
export interface NumberInHand {
  readonly number: string;
  readonly sequence: number;
}

interface SiteDay {
  readonly siteId: string;
  readonly localDate: string;
  /** The numbers in hand: those given back first, then next..end (none when next > end). */
  readonly givenBack: number[];
  next: number;
  end: number;
  readonly waiting: { resolve: (taken: NumberInHand) => void; reject: (error: unknown) => void }[];
  taking: boolean;
  /** Numbers asked for in the current second and in the one before: the size of the next block. */
  second: number;
  askedThisSecond: number;
  askedLastSecond: number;
}

/**
 * Gives each report its number (S1-20261123-0001) from blocks of a site's daily sequence (docs/adr/0038): the
 * sequence's row is taken once per block instead of once per report, so it stops being a hot row all of a site's
 * reports queue on, and a report usually gets its number without a round trip. A block is as big as the numbers
 * asked for in the second before (at least those waiting, at most MAX_NUMBER_BLOCK): one report a second takes
 * blocks of one, and its numbers have no more gaps than before; a busy site takes large ones. Numbers stay unique
 * (each block is the row's to give once); what a block leaves unused when the instance stops or the day ends is
 * skipped, and two instances' numbers interleave rather than follow the order reports came in.
 */
@Injectable()
export class NumberBlocks {
  private readonly days = new Map<string, SiteDay>();

  constructor(
    private readonly sequences: NumberSequencesRepository,
    private readonly clock: Clock,
  ) {}

  next(siteId: string, localDate: string): Promise<string> {
    const day = this.dayOf(siteId, localDate);
    this.countAsked(day);
    if (day.waiting.length === 0 && this.hasInHand(day)) return Promise.resolve(this.take(day).number);
    return new Promise((resolve, reject) => {
      day.waiting.push({ resolve: (taken) => resolve(taken.number), reject });
      this.refill(day);
    });
  }

  /**
   * A number already in hand, or undefined (without taking a block): for a report that may turn out not to need
   * one, which gives it back, so that a retry leaves neither a gap nor a write behind.
   */
  inHand(siteId: string, localDate: string): NumberInHand | undefined {
    const day = this.dayOf(siteId, localDate);
    if (day.waiting.length > 0 || !this.hasInHand(day)) return undefined;
    this.countAsked(day);
    return this.take(day);
  }

  giveBack(siteId: string, localDate: string, unused: NumberInHand): void {
    const day = this.dayOf(siteId, localDate);
    day.givenBack.push(unused.sequence);
    day.givenBack.sort((a, b) => a - b);
  }

  private hasInHand(day: SiteDay): boolean {
    return day.givenBack.length > 0 || day.next <= day.end;
  }

  private take(day: SiteDay): NumberInHand {
    const sequence = day.givenBack.shift() ?? day.next++;
    return { number: formatWorkOrderNumber(day.siteId, day.localDate, sequence), sequence };
  }

  private refill(day: SiteDay): void {
    if (day.taking) return;
    day.taking = true;
    const size = Math.min(MAX_NUMBER_BLOCK, Math.max(day.waiting.length, day.askedLastSecond, 1));
    this.sequences
      .takeBlock(day.siteId, day.localDate, size)
      .then(
        (last) => {
          day.next = last - size + 1;
          day.end = last;
          while (day.waiting.length > 0 && this.hasInHand(day)) day.waiting.shift()?.resolve(this.take(day));
        },
        (error: unknown) => {
          for (const waiter of day.waiting.splice(0)) waiter.reject(error);
        },
      )
      .finally(() => {
        day.taking = false;
        if (day.waiting.length > 0) this.refill(day);
      });
  }

  private countAsked(day: SiteDay): void {
    const second = Math.floor(this.clock.now().getTime() / 1000);
    if (second !== day.second) {
      day.askedLastSecond = second === day.second + 1 ? day.askedThisSecond : 0;
      day.askedThisSecond = 0;
      day.second = second;
    }
    day.askedThisSecond++;
  }

  /** A site's day, starting it when it is new; days of the site before it that nobody waits on are let go. */
  private dayOf(siteId: string, localDate: string): SiteDay {
    const key = `${siteId}\u0000${localDate}`;
    const known = this.days.get(key);
    if (known) return known;
    for (const [otherKey, other] of this.days) {
      if (other.siteId === siteId && other.localDate < localDate && !other.taking && other.waiting.length === 0)
        this.days.delete(otherKey);
    }
    const day: SiteDay = {
      siteId,
      localDate,
      givenBack: [],
      next: 1,
      end: 0,
      waiting: [],
      taking: false,
      second: 0,
      askedThisSecond: 0,
      askedLastSecond: 0,
    };
    this.days.set(key, day);
    return day;
  }
}
