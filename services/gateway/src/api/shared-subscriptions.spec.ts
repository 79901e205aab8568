import { buildSchema, ExecutionArgs, ExecutionResult, GraphQLSchema, parse } from 'graphql';
import { nameEntity } from './last-sent';
import { sharedKey, sharedSubscriptions } from './shared-subscriptions';

/** A channel as RedisPubSub makes one: every subscriber's iterator yields the same event objects. */
class Channel<T> {
  private readonly waiting = new Set<(event: T) => void>();
  readonly queues = new Set<T[]>();
  returned = 0;

  iterator(): AsyncIterableIterator<T> {
    const queue: T[] = [];
    this.queues.add(queue);
    let wake: (() => void) | undefined;
    let done = false;
    const stop = () => {
      done = true;
      this.waiting.delete(deliver);
      this.returned++;
      wake?.();
    };
    const deliver = (event: T) => {
      queue.push(event);
      wake?.();
    };
    this.waiting.add(deliver);
    const iterator: AsyncIterableIterator<T> = {
      [Symbol.asyncIterator]: () => iterator,
      async next() {
        while (!done) {
          const event = queue.shift();
          if (event !== undefined) return { done: false, value: event };
          await new Promise<void>((resolve) => (wake = resolve));
        }
        return { done: true, value: undefined };
      },
      async return() {
        stop();
        return { done: true, value: undefined };
      },
    };
    return iterator;
  }

  publish(event: T): void {
    for (const deliver of this.waiting) deliver(event);
  }
}

describe('shared subscriptions: market data executed once per event for all its watchers', () => {
  const typeDefs = `
    type Book { marketId: ID! levels: [Int!]! }
    type Query { ok: Boolean }
    type Subscription { bookUpdated(marketId: ID!): Book! myOrderUpdated: Book! }
  `;
  let schema: GraphQLSchema;
  let channel: Channel<{ marketId: string; levels: number[] }>;
  let executions: number;
  const PUBLIC = new Set(['bookUpdated']);

  beforeEach(() => {
    schema = buildSchema(typeDefs);
    channel = new Channel();
    executions = 0;
    const subscription = schema.getSubscriptionType()!.getFields();
    subscription['bookUpdated']!.subscribe = () => channel.iterator();
    subscription['bookUpdated']!.resolve = (event: unknown) => {
      executions++;
      return event;
    };
    subscription['myOrderUpdated']!.subscribe = () => channel.iterator();
    subscription['myOrderUpdated']!.resolve = (event: unknown) => {
      executions++;
      return event;
    };
  });

  const args = (
    query: string,
    variables?: Record<string, unknown>,
    contextValue: unknown = {},
  ): ExecutionArgs => ({
    schema,
    document: parse(query),
    ...(variables ? { variableValues: variables } : {}),
    contextValue,
  });
  const BOOK = 'subscription($m: ID!) { bookUpdated(marketId: $m) { marketId levels } }';

  async function watch(a: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult>> {
    const result = await sharedSubscriptions(PUBLIC)(a);
    if (!(Symbol.asyncIterator in result)) throw new Error(`not subscribed: ${JSON.stringify(result)}`);
    return result as AsyncIterableIterator<ExecutionResult>;
  }

  it('gives every watcher of the same operation the one result of each event, executed once', async () => {
    const subscribe = sharedSubscriptions(PUBLIC);
    const watchers = await Promise.all(
      [1, 2, 3].map(async (i) => {
        const r = await subscribe(
          args(BOOK, { m: 'h100' }, { principal: i === 1 ? null : { accountId: `a${i}` } }),
        );
        return r as AsyncIterableIterator<ExecutionResult>;
      }),
    );
    channel.publish({ marketId: 'h100', levels: [5, 4, 3] });
    const first = await Promise.all(watchers.map((w) => w.next()));
    expect(first[0]?.value).toEqual({ data: { bookUpdated: { marketId: 'h100', levels: [5, 4, 3] } } });
    expect(first[1]?.value).toBe(first[0]?.value);
    expect(first[2]?.value).toBe(first[0]?.value);
    expect(executions).toBe(1);
    // The next event is executed again, once.
    channel.publish({ marketId: 'h100', levels: [7] });
    const second = await Promise.all(watchers.map((w) => w.next()));
    expect(second.map((s) => s.value)).toEqual(
      Array(3).fill({ data: { bookUpdated: { marketId: 'h100', levels: [7] } } }),
    );
    expect(executions).toBe(2);
  });

  it('executes apart what may differ: other variables, another document, a personal subscription', async () => {
    const subscribe = sharedSubscriptions(PUBLIC);
    const a = (await subscribe(args(BOOK, { m: 'h100' }))) as AsyncIterableIterator<ExecutionResult>;
    const b = (await subscribe(args(BOOK, { m: 'a100' }))) as AsyncIterableIterator<ExecutionResult>;
    const c = (await subscribe(
      args('subscription { bookUpdated(marketId: "h100") { levels } }'),
    )) as AsyncIterableIterator<ExecutionResult>;
    const mine1 = (await subscribe(
      args('subscription { myOrderUpdated { levels } }'),
    )) as AsyncIterableIterator<ExecutionResult>;
    const mine2 = (await subscribe(
      args('subscription { myOrderUpdated { levels } }'),
    )) as AsyncIterableIterator<ExecutionResult>;
    channel.publish({ marketId: 'h100', levels: [1, 2, 3] });
    const results = await Promise.all([a, b, c, mine1, mine2].map((w) => w.next()));
    expect(new Set(results.map((r) => r.value)).size).toBe(5);
    expect(executions).toBe(5);
    expect(results[2]?.value).toEqual({ data: { bookUpdated: { levels: [1, 2, 3] } } });
  });

  it('never sends a watcher the same result twice in a row for one entity: what it selected is compared', async () => {
    const subscribe = sharedSubscriptions(PUBLIC);
    const levelsOnly = (await subscribe(
      args('subscription { bookUpdated(marketId: "h100") { levels } }'),
    )) as AsyncIterableIterator<ExecutionResult>;
    const whole = await watch(args(BOOK, { m: 'h100' }));
    channel.publish({ marketId: 'h100', levels: [1] });
    channel.publish({ marketId: 'other', levels: [1] });
    channel.publish({ marketId: 'other', levels: [2] });
    const seen = async (w: AsyncIterableIterator<ExecutionResult>, n: number) => {
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push((await w.next()).value);
      return out;
    };
    expect(await seen(levelsOnly, 2)).toEqual([
      { data: { bookUpdated: { levels: [1] } } },
      { data: { bookUpdated: { levels: [2] } } },
    ]);
    expect(await seen(whole, 3)).toHaveLength(3);
    // A channel of many entities (an account's orders): the same fields of two of them are two messages.
    const mine = (await subscribe(
      args('subscription { myOrderUpdated { levels } }'),
    )) as AsyncIterableIterator<ExecutionResult>;
    const order = (id: string) => {
      const event = { marketId: id, levels: [9] };
      nameEntity(event, id);
      return event;
    };
    channel.publish(order('ord-1'));
    channel.publish(order('ord-2'));
    channel.publish(order('ord-2'));
    channel.publish(order('ord-1'));
    channel.publish({ ...order('ord-3'), levels: [8] });
    expect(await seen(mine, 3)).toEqual([
      { data: { myOrderUpdated: { levels: [9] } } },
      { data: { myOrderUpdated: { levels: [9] } } },
      { data: { myOrderUpdated: { levels: [8] } } },
    ]);
  });

  it('shares only subscriptions whose every root field is public market data', () => {
    const key = (q: string, v?: Record<string, unknown>) => sharedKey(args(q, v), PUBLIC);
    expect(key(BOOK, { m: 'h100' })).toEqual(key(BOOK, { m: 'h100' }));
    expect(key(BOOK, { m: 'h100' })).not.toEqual(key(BOOK, { m: 'a100' }));
    expect(key('subscription { myOrderUpdated { levels } }')).toBeNull();
    expect(
      key('subscription { bookUpdated(marketId: "x") { levels } myOrderUpdated { levels } }'),
    ).toBeNull();
    expect(
      key('subscription { ...F } fragment F on Subscription { bookUpdated(marketId: "x") { levels } }'),
    ).toBeNull();
    expect(key('query { ok }')).toBeNull();
  });

  it("keys only the variables the operation declares: a client's unused one, however deep, changes nothing", () => {
    const key = (v?: Record<string, unknown>) => sharedKey(args(BOOK, v), PUBLIC);
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { '': deep };
    // Keyed whole, it overflowed the stack (JSON.stringify): the subscriber got INTERNAL_SERVER_ERROR.
    expect(key({ m: 'h100', unused: deep })).toEqual(key({ m: 'h100' }));
    // A declared one nested past what the schema takes is not shared: its own run refuses it.
    expect(key({ m: deep })).toBeNull();
  });

  it("lets go of a watcher's channel at once when it stops, with no event pending", async () => {
    const watcher = await watch(args(BOOK, { m: 'h100' }));
    const pending = watcher.next();
    await expect(watcher.return!()).resolves.toEqual({ done: true, value: undefined });
    expect(channel.returned).toBe(1);
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
  });

  it('answers the errors of subscribing as graphql-js does (no iterator)', async () => {
    schema.getSubscriptionType()!.getFields()['bookUpdated']!.subscribe = () => {
      throw new Error('market nowhere does not exist');
    };
    const result = await sharedSubscriptions(PUBLIC)(args(BOOK, { m: 'nowhere' }));
    expect(result).toMatchObject({ errors: [{ message: 'market nowhere does not exist' }] });
  });
});
