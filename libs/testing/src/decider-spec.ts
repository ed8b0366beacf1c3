import { Decider, DomainEvent, foldEvents, parseDomainEvent } from '@closeloop/contracts';

// ── Given / when / then for deciders ─────────────────────────────────────────────────────────────────────
// The decider is fed the state folded from the given events, exactly as the command handler does after reading
// a stream. Every given and decided event is checked against its published contract, so a fixture or a decision
// that could never be stored fails here. `then` hands back the state the stream would fold to afterwards, so a
// test can say where the stream ended up; `thenThrows` hands back the refusal, for a closer look.

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/** Every event parses as its published contract: what a decided event must meet to be stored and published. */
export const expectPublishable = (events: readonly DomainEvent[]): void => {
  for (const event of events) {
    expect(parseDomainEvent(event.type, event.data)).toEqual({
      ok: true,
      event: expect.objectContaining({ type: event.type }),
    });
  }
};

export const deciderSpec = <State, Command, Event extends DomainEvent>(decider: Decider<State, Command, Event>) => ({
  given: (history: readonly Event[]) => {
    const state = (): State => {
      expectPublishable(history);
      return foldEvents(decider, history);
    };
    return {
      /** The state the given events fold to. */
      state,
      when: (command: Command) => ({
        then: (expected: readonly Event[]): State => {
          const decided = decider.decide(command, state());
          expect(decided).toEqual(expected);
          expectPublishable(decided);
          return foldEvents(decider, decided, foldEvents(decider, history));
        },
        /** The command is refused: with an error of this class (and these properties), or with this message. */
        thenThrows: <E extends Error = Error>(
          expected: ErrorClass<E> | RegExp | string,
          properties?: Readonly<Record<string, unknown>>,
        ): E => {
          const before = state();
          let thrown: unknown;
          try {
            decider.decide(command, before);
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(Error);
          if (typeof expected === 'function') expect(thrown).toBeInstanceOf(expected);
          else expect((thrown as Error).message).toMatch(expected);
          if (properties) expect(thrown).toMatchObject(properties);
          return thrown as E;
        },
      }),
    };
  },
});
