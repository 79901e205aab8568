import { jsonDepth, MAX_JSON_DEPTH } from '@gpux/contracts';
import {
  createSourceEventStream,
  execute,
  ExecutionArgs,
  ExecutionResult,
  getOperationAST,
  Kind,
  print,
} from 'graphql';
import { entityOf, LastSent } from './last-sent';

type PromiseOrValue<T> = T | Promise<T>;

/**
 * Market data is the same for every watcher. A public subscription's answer to an event depends on
 * the operation (its document, operation name and variables) and the event only: its resolvers
 * read no caller (they are Public, and the AccessGuard hands them nothing to read), and RedisPubSub
 * hands every watcher of a channel the very same event object. So each event is executed once per
 * distinct operation, and every watcher running that operation is sent the one result. Executed
 * per watcher, GraphQL execution was about two fifths of the gateway's time per delivery (a CPU
 * profile of 200 watchers of one market's book); the socket writes, one per watcher, remain.
 *
 * Any other operation (a personal subscription, one with a fragment at its root) is executed as
 * graphql-js does it, per watcher. Either way a watcher is never sent the same result twice in a
 * row for one entity: what it selected is what it compares.
 */
export function sharedSubscriptions(
  publicFields: ReadonlySet<string>,
): (args: ExecutionArgs) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
  /** Per event object (weakly: gone with the event), per operation: its one execution. */
  const results = new WeakMap<object, Map<string, PromiseOrValue<ExecutionResult>>>();
  return async (args) => {
    const key = sharedKey(args, publicFields);
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source; // the errors of subscribing
    const run = (event: unknown): PromiseOrValue<ExecutionResult> => {
      if (key === null || typeof event !== 'object' || event === null)
        return execute({ ...args, rootValue: event });
      let byOperation = results.get(event);
      if (!byOperation) results.set(event, (byOperation = new Map()));
      let result = byOperation.get(key);
      if (result === undefined) {
        result = execute({ ...args, rootValue: event });
        byOperation.set(key, result);
      }
      return result;
    };
    // What this watcher is sent, never the same twice in a row for one entity (last-sent.ts): two
    // states of a node or an order that differ only in fields it did not select are one message.
    const sent = new LastSent();
    return mapEvents(source, async (event) => {
      const result = await run(event);
      return sent.repeats(entityOf(event), result) ? SKIP : result;
    });
  };
}

/**
 * What makes two subscribers' answers the same (null when they may differ): a subscription whose
 * every root selection is a field of `publicFields`, and its document, operation name and variables.
 */
export function sharedKey(args: ExecutionArgs, publicFields: ReadonlySet<string>): string | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation !== 'subscription') return null;
  const publicOnly = operation.selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && publicFields.has(s.name.value),
  );
  if (!publicOnly) return null;
  // The variables the operation declares (others change nothing it answers). A value nested deeper
  // than any the schema takes is not shared: run on its own it is refused with a code, where
  // keyed here (a client's unused variable, 10,000 levels deep) it overflowed the stack.
  const variables = (operation.variableDefinitions ?? []).map(
    (d) => args.variableValues?.[d.variable.name.value] ?? null,
  );
  if (jsonDepth(variables, MAX_JSON_DEPTH + 1) > MAX_JSON_DEPTH + 1) return null;
  return JSON.stringify([print(args.document), args.operationName ?? null, variables]);
}

function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof (value as AsyncIterable<T> | null)?.[Symbol.asyncIterator] === 'function';
}

/** What mapEvents' `map` answers for an event that is not to be sent. */
const SKIP: unique symbol = Symbol('skip');

/**
 * The source's events mapped, as graphql-js maps them, less those `map` answers SKIP for: return()
 * and throw() go straight to the source (an async generator would wait for the source's pending
 * next() first, and a market that goes quiet never answers it, so the watcher's channel would never
 * be let go).
 */
function mapEvents<T, U>(
  source: AsyncIterable<T>,
  map: (event: T) => PromiseOrValue<U | typeof SKIP>,
): AsyncIterableIterator<U> {
  const iterator = source[Symbol.asyncIterator]();
  const events: AsyncIterableIterator<U> = {
    next: async () => {
      for (;;) {
        const step = await iterator.next();
        if (step.done) return { done: true, value: undefined };
        const value = await map(step.value);
        if (value !== SKIP) return { done: false, value };
      }
    },
    return: async () => {
      if (typeof iterator.return === 'function') await iterator.return();
      return { done: true, value: undefined };
    },
    throw: async (error: unknown) => {
      if (typeof iterator.return === 'function') await iterator.return();
      throw error;
    },
    [Symbol.asyncIterator]: () => events,
  };
  return events;
}
