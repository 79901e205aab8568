import { SocketOperations } from './operations';

/** An iterator of `values` that counts how often it was returned (a listener let go). */
function source(values: unknown[] = [], failWith?: Error) {
  const state = { returns: 0 };
  let i = 0;
  const iterator: AsyncIterableIterator<unknown> = {
    [Symbol.asyncIterator]: () => iterator,
    next: async () => {
      if (i < values.length) return { done: false, value: values[i++] };
      if (failWith) throw failWith;
      return { done: true, value: undefined };
    },
    return: async () => {
      state.returns++;
      return { done: true, value: undefined };
    },
  };
  return { iterator, state };
}

const drain = async (iterable: unknown) => {
  const values: unknown[] = [];
  for await (const v of iterable as AsyncIterable<unknown>) values.push(v);
  return values;
};

describe('SocketOperations', () => {
  it('counts pending operations, refuses an id still tracked, and frees it when its operation ends', () => {
    const ops = new SocketOperations();
    const a = ops.begin('a');
    expect(a).toBeDefined();
    expect(ops.begin('a')).toBeUndefined(); // completed by the client while pending: still tracked
    expect(ops.begin('b')).toBeDefined();
    expect(ops.size).toBe(2);
    a!.end();
    expect([ops.has('a'), ops.size]).toEqual([false, 1]);
    const again = ops.begin('a');
    a!.end(); // the earlier one ending twice never frees its successor
    expect(ops.has('a')).toBe(true);
    again!.end();
    expect(ops.size).toBe(1);
  });

  it('ends a query as soon as it has its result', () => {
    const ops = new SocketOperations();
    ops.begin('q');
    const result = { data: { __typename: 'Query' } };
    expect(ops.start('q', result, true)).toBe(result);
    expect(ops.has('q')).toBe(false);
  });

  it('tracks a subscription until its iterator finishes, and passes its values through', async () => {
    const ops = new SocketOperations();
    ops.begin('s');
    const { iterator, state } = source([1, 2]);
    const running = ops.start('s', iterator, true) as AsyncIterableIterator<unknown>;
    expect(await running.next()).toEqual({ done: false, value: 1 });
    expect(ops.has('s')).toBe(true);
    expect(await drain(running)).toEqual([2]);
    expect(ops.has('s')).toBe(false);
    expect(state.returns).toBe(0);
  });

  it('untracks a subscription returned by the client, returning its iterator once', async () => {
    const ops = new SocketOperations();
    ops.begin('s');
    const { iterator, state } = source([1]);
    const running = ops.start('s', iterator, true) as AsyncIterableIterator<unknown>;
    await running.return!();
    await running.return!();
    await ops.close();
    expect([ops.has('s'), state.returns]).toEqual([false, 1]);
  });

  it('untracks a subscription whose iterator fails, passing the error on', async () => {
    const ops = new SocketOperations();
    ops.begin('s');
    const { iterator } = source([], new Error('fell behind'));
    const running = ops.start('s', iterator, true) as AsyncIterableIterator<unknown>;
    await expect(running.next()).rejects.toThrow('fell behind');
    expect(ops.has('s')).toBe(false);
  });

  it('returns at once the iterator of an operation no longer wanted, and runs nothing in its place', async () => {
    const ops = new SocketOperations();
    ops.begin('s');
    const { iterator, state } = source([1, 2]);
    const running = ops.start('s', iterator, false);
    expect(await drain(running)).toEqual([]);
    expect([ops.has('s'), state.returns]).toEqual([false, 1]);
  });

  it('on close returns every iterator it tracks, ends pending operations, and starts none after', async () => {
    const ops = new SocketOperations();
    ops.begin('live');
    const pending = ops.begin('pending');
    const live = source([1]);
    ops.start('live', live.iterator, true);
    await ops.close();
    expect([ops.size, live.state.returns, pending!.done]).toEqual([0, 1, true]);
    // The pending one settles after the close: its iterator is returned at once.
    const late = source([1]);
    expect(await drain(ops.start('pending', late.iterator, true))).toEqual([]);
    expect(late.state.returns).toBe(1);
    expect(ops.begin('new')).toBeUndefined();
  });
});
