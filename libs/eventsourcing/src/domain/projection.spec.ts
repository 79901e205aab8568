import { applyOps, combineProjections, Model, Projection, Published, RedisOp } from './projection';

// applyOps is the reference the Lua script is checked against (apply-script.int-spec.ts): these
// pin down its semantics for the conditional writes and publications.
describe('applyOps (the in-memory reference of the projection writes)', () => {
  const hash = (model: Model, key: string) =>
    Object.fromEntries((model.get(key) as Map<string, string>).entries());

  it('sets a hash field only when absent (hsetnx)', () => {
    const model = applyOps(new Map(), [
      { op: 'hsetnx', key: 'c', field: 'open', value: '7' },
      { op: 'hsetnx', key: 'c', field: 'open', value: '9' },
      { op: 'hset', key: 'c', field: 'close', value: '9' },
      { op: 'hsetnx', key: 'c', field: 'close', value: '1' },
    ]);
    expect(hash(model, 'c')).toEqual({ open: '7', close: '9' });
  });

  it('keeps the greatest (hmax) and least (hmin) number, comparing numerically, not as text', () => {
    const ops: RedisOp[] = [9, 10, 2, 10, 100].flatMap((value) => [
      { op: 'hmax', key: 'c', field: 'high', value },
      { op: 'hmin', key: 'c', field: 'low', value },
    ]);
    expect(hash(applyOps(new Map(), ops), 'c')).toEqual({ high: '100', low: '2' });
  });

  it('replaces a field that holds no number', () => {
    const model = applyOps(new Map(), [
      { op: 'hset', key: 'c', field: 'high', value: 'n/a' },
      { op: 'hset', key: 'c', field: 'low', value: '' },
      { op: 'hmax', key: 'c', field: 'high', value: -5 },
      { op: 'hmin', key: 'c', field: 'low', value: 1.5 },
    ]);
    expect(hash(model, 'c')).toEqual({ high: '-5', low: '1.5' });
  });

  it('removes the members scored below a bound, and the set with its last one (zremBelow)', () => {
    const model = applyOps(new Map(), [
      { op: 'zadd', key: 'h', score: 10, member: 'a' },
      { op: 'zadd', key: 'h', score: 20, member: 'b' },
      { op: 'zadd', key: 'h', score: 30, member: 'c' },
      { op: 'zremBelow', key: 'h', below: 20 },
      { op: 'zremBelow', key: 'none', below: 20 },
    ]);
    expect(hash(model, 'h')).toEqual({ b: '20', c: '30' });
    expect(model.has('none')).toBe(false);
    applyOps(model, [{ op: 'zremBelow', key: 'h', below: 31 }]);
    expect(model.has('h')).toBe(false);
  });

  it('removes a member once the hash fields add up to the total (zremWhenReached), and not before', () => {
    const done: RedisOp = {
      op: 'zremWhenReached',
      key: 'live',
      member: 'o1',
      hash: 'o1',
      sum: ['filled', 'cancelled'],
      reaches: 'gpus',
    };
    const model = applyOps(new Map(), [
      { op: 'zadd', key: 'live', score: 1, member: 'o1' },
      { op: 'hset', key: 'o1', field: 'gpus', value: '8' },
      { op: 'hincrby', key: 'o1', field: 'filled', by: 5 },
      done,
    ]);
    expect(hash(model, 'live')).toEqual({ o1: '1' });
    applyOps(model, [{ op: 'hset', key: 'o1', field: 'cancelled', value: 'n/a' }, done]);
    expect(hash(model, 'live')).toEqual({ o1: '1' });
    applyOps(model, [{ op: 'hset', key: 'o1', field: 'cancelled', value: '3' }, done]);
    expect(hash(model, 'live')).toEqual({});
  });

  it('adds a member at its score once the hash fields add up to the total (zaddWhenReached), and not before', () => {
    const filled: RedisOp = {
      op: 'zaddWhenReached',
      key: 'filled',
      member: 'o1',
      score: 7,
      hash: 'o1',
      sum: ['filled'],
      reaches: 'gpus',
    };
    const model = applyOps(new Map(), [
      { op: 'hset', key: 'o1', field: 'gpus', value: '4' },
      { op: 'hincrby', key: 'o1', field: 'filled', by: 3 },
      filled,
    ]);
    expect(model.has('filled')).toBe(false);
    applyOps(model, [{ op: 'hincrby', key: 'o1', field: 'filled', by: 1 }, filled]);
    expect(hash(model, 'filled')).toEqual({ o1: '7' });
  });

  it('removes nothing by zremWhenReached when the total is absent or no number, and creates no key', () => {
    const ops: RedisOp[] = [
      { op: 'zadd', key: 'live', score: 1, member: 'o1' },
      { op: 'hset', key: 'o1', field: 'filled', value: '5' },
      { op: 'zremWhenReached', key: 'live', member: 'o1', hash: 'o1', sum: ['filled'], reaches: 'gpus' },
      { op: 'hset', key: 'o1', field: 'gpus', value: 'many' },
      { op: 'zremWhenReached', key: 'live', member: 'o1', hash: 'o1', sum: ['filled'], reaches: 'gpus' },
      { op: 'zremWhenReached', key: 'other', member: 'o2', hash: 'o2', sum: ['filled'], reaches: 'gpus' },
    ];
    const model = applyOps(new Map(), ops);
    expect(hash(model, 'live')).toEqual({ o1: '1' });
    expect([...model.keys()]).toEqual(['live', 'o1']);
  });

  it('leaves the model alone on publish and reports each publication in order', () => {
    const published: Published[] = [];
    const model = applyOps(
      new Map(),
      [
        { op: 'publish', key: 'p:ch', message: 'a' },
        { op: 'set', key: 'p:x', value: '1' },
        { op: 'publish', key: 'p:ch', message: 'a' },
      ],
      published,
    );
    expect([...model.keys()]).toEqual(['p:x']);
    expect(published).toEqual([
      { channel: 'p:ch', message: 'a' },
      { channel: 'p:ch', message: 'a' },
    ]);
    expect(() => applyOps(new Map(), [{ op: 'publish', key: 'p:ch', message: 'a' }])).not.toThrow();
  });
});

describe('combineProjections', () => {
  const part = (name: string, version?: string): Projection => ({
    name,
    topics: [`${name}.events`],
    keyPrefix: `m:${name}:`,
    ...(version === undefined ? {} : { version }),
    apply: (e) => [{ op: 'set', key: `m:${name}:last`, value: e.id }],
  });

  it("is versioned by its parts' versions, named: a part's new version is the model's", () => {
    expect(combineProjections('m', 'm:', [part('a', '2'), part('b'), part('c', '1')]).version).toBe(
      'a@2 c@1',
    );
    expect(combineProjections('m', 'm:', [part('a', '3'), part('b'), part('c', '1')]).version).toBe(
      'a@3 c@1',
    );
    expect(combineProjections('m', 'm:', [part('a'), part('b')]).version).toBeUndefined();
  });

  it('refuses a part that writes outside its prefix', () => {
    expect(() => combineProjections('m', 'other:', [part('a')])).toThrow(/outside other:/);
  });
});
