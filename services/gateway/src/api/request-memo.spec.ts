import { memoised } from './request-memo';

describe('memoised', () => {
  it('computes once per key within one execution, and again in another', async () => {
    let computed = 0;
    const compute = async () => ++computed;
    const one = { variableValues: {} };
    const other = { variableValues: {} };
    expect(await Promise.all([memoised(one, 'a', compute), memoised(one, 'a', compute)])).toEqual([1, 1]);
    expect(await memoised(one, 'b', compute)).toBe(2);
    expect(await memoised(other, 'a', compute)).toBe(3);
    expect(computed).toBe(3);
  });
});
