import type { RejectionCode } from '@gpux/contracts';

/** A message as the domain sees it: its type and its data, nothing of the wire. */
export interface Message<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

/**
 * What a rejection states beside its message, as figures its reader takes as they are: the message
 * is for people, and its wording may change. Carried on the CommandRejected event.
 */
export interface RejectionFacts {
  /** INSUFFICIENT_FUNDS: the available balance the refusal found, minor units (a safe integer ≥ 0). */
  available?: number;
}

export type Decision<E extends Message> =
  | { kind: 'accepted'; events: E[] }
  | ({ kind: 'rejected'; code: RejectionCode; message: string; field?: string } & RejectionFacts);

/** What a decider may know besides the command and the state: injected, so tests are exact. */
export interface DecideContext {
  now: Date;
}

/**
 * An aggregate (docs/architecture.md §3): pure functions, no I/O, no framework. State is plain JSON so it
 * can be snapshotted. `decide` never throws for a business reason: it rejects with a code.
 */
export interface Decider<C extends Message, E extends Message, S> {
  /**
   * The state of an aggregate no event has touched yet: a fresh one per call, so a decider whose
   * evolve updates its state in place (the market's book) never shares one between aggregates.
   */
  initialState(): S;
  decide(command: C, state: S, context: DecideContext): Decision<E>;
  evolve(state: S, event: E): S;
}

export function accept<E extends Message>(...events: E[]): Decision<E> {
  return { kind: 'accepted', events };
}

/**
 * `accept` for a list that may be long (a market's whole book): a call spread over more than about
 * 100,000 arguments throws RangeError (the stack), which dead-lettered a CloseMarket of a deep book.
 */
export function acceptAll<E extends Message>(events: E[]): Decision<E> {
  return { kind: 'accepted', events };
}

export function reject<E extends Message>(
  code: RejectionCode,
  message: string,
  field?: string,
  facts: RejectionFacts = {},
): Decision<E> {
  return {
    kind: 'rejected',
    code,
    message,
    ...(field === undefined ? {} : { field }),
    ...(facts.available === undefined ? {} : { available: facts.available }),
  };
}

/** The state after a sequence of events: what rebuilding from the log computes. */
export function fold<E extends Message, S>(
  decider: Pick<Decider<Message, E, S>, 'evolve' | 'initialState'>,
  events: E[],
): S {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}

/** Every service's events include these two (a rejection, a partition claim): no decider evolves on them. */
type ServiceWideEvent = 'commandRejected' | 'partitionClaimed';
/** The names of a service's own events in its contracts' events object. */
export type OwnEventName<T> = Exclude<keyof T, ServiceWideEvent>;

/** The types of the messages in a contracts object (`OrdersCommands`, …). */
export function typesOf<T extends Record<string, { type: string }>>(messages: T): T[keyof T]['type'][] {
  return Object.values(messages).map((m) => m.type as T[keyof T]['type']);
}

/** The types of a service's own events: all but the service-wide two. */
export function ownEventTypes<T extends Record<string, { type: string }>>(
  events: T,
): T[OwnEventName<T>]['type'][] {
  return Object.entries(events)
    .filter(([name]) => name !== 'commandRejected' && name !== 'partitionClaimed')
    .map(([, m]) => m.type as T[OwnEventName<T>]['type']);
}
