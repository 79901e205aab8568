import { applyOps, Model, Published, RedisOp } from './projection';

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
