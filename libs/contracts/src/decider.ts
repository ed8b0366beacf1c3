/**
 * An aggregate's or a workflow's rules as three pure functions: which events a command causes in a state, how an
 * event moves the state on, and the state before any event. Everything else (reading the stream, appending,
 * retrying, metadata) is the command handler's in libs/event-store, written once for every decider.
 */
export interface Decider<State, Command, Event> {
  /** The events the command causes in this state: none when there is nothing to do; throws when it is refused. */
  readonly decide: (command: Command, state: State) => Event[];
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: () => State;
}

/** The state a history folds to, from the decider's initial state, or from `state` when one is given. */
export const foldEvents = <State, Event>(
  decider: Pick<Decider<State, never, Event>, 'evolve' | 'initialState'>,
  events: readonly Event[],
  state: State = decider.initialState(),
): State => events.reduce((current, event) => decider.evolve(current, event), state);
