import type { RejectionCode } from '@gpux/contracts';
import { Decider, DecideContext, Decision, fold, Message } from './decider';

type Rejected = Extract<Decision<Message>, { kind: 'rejected' }>;

/** What `when` answers: the Decision itself, and two assertions on it that throw when they fail. */
export type Outcome<E extends Message> = Decision<E> & {
  /** Asserts the command was accepted with exactly these events (equal as Jest's toEqual is). */
  then(events: E[]): void;
  /** Asserts the command was rejected with this code (and this field, when given); returns the rejection. */
  thenRejects(code: RejectionCode, field?: string): Rejected;
};

/**
 * Given/when/then for deciders, without Kafka or Redis:
 *   scenario(accounts).given(opened, deposited).when(withdraw).then([withdrawn])
 *   scenario(accounts).given(opened).when(withdraw).thenRejects('INSUFFICIENT_FUNDS', 'amount')
 * `when` answers the Decision, so a test may also assert on it directly. `then` and `thenRejects`
 * are not enumerable: the Decision still equals a plain one. Do not await an Outcome (it has `then`).
 */
export function scenario<C extends Message, E extends Message, S>(decider: Decider<C, E, S>) {
  return {
    given(...events: E[]) {
      const state = fold(decider, events);
      return {
        state,
        when(command: C, context: DecideContext = { now: new Date('2026-01-01T00:00:00Z') }): Outcome<E> {
          return outcome(decider.decide(command, state, context));
        },
      };
    },
  };
}

function outcome<E extends Message>(decision: Decision<E>): Outcome<E> {
  return Object.defineProperties(decision, {
    then: {
      enumerable: false,
      value(events: E[]): void {
        if (decision.kind !== 'accepted')
          throw new Error(
            `expected the events\n${show(events)}\nbut the command was rejected: ${show(decision)}`,
          );
        if (!equal(decision.events, events))
          throw new Error(`expected the events\n${show(events)}\nbut got\n${show(decision.events)}`);
      },
    },
    thenRejects: {
      enumerable: false,
      value(code: RejectionCode, field?: string): Rejected {
        if (decision.kind !== 'rejected')
          throw new Error(
            `expected a rejection ${code}, but the command was accepted with\n${show(decision.events)}`,
          );
        if (decision.code !== code || (field !== undefined && decision.field !== field))
          throw new Error(
            `expected a rejection ${code}${field === undefined ? '' : ` of ${field}`}, but got ${show(decision)}`,
          );
        return decision;
      },
    },
  }) as Outcome<E>;
}

const show = (value: unknown) => JSON.stringify(value, null, 2);

/**
 * Deep equality as Jest's toEqual has it, for the plain data events are: a property whose value is
 * undefined equals a missing one; arrays compare element by element; dates by their time.
 */
export function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => equal(item, b[i]));
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((k) => equal(x[k], y[k]));
}
