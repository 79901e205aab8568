import { Decider, DecideContext, Decision, fold, Message } from './decider';

/**
 * Given/when/then for deciders, without Kafka or Redis:
 *   scenario(accounts).given(opened, deposited).when(withdraw) → the Decision to assert on.
 */
export function scenario<C extends Message, E extends Message, S>(decider: Decider<C, E, S>) {
  return {
    given(...events: E[]) {
      const state = fold(decider, events);
      return {
        state,
        when(command: C, context: DecideContext = { now: new Date('2026-01-01T00:00:00Z') }): Decision<E> {
          return decider.decide(command, state, context);
        },
      };
    },
  };
}
