import { newestFirst, tradeCount, withTrade } from './trades';

const t = (id: string, second: number) => ({
  id,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
});

describe('withTrade', () => {
  it('puts a new trade first', () => {
    expect(withTrade([t('b', 2), t('a', 1)], t('c', 3)).map((x) => x.id)).toEqual(['c', 'b', 'a']);
  });

  it('keeps a trade that arrives late in its place by time', () => {
    expect(withTrade([t('c', 3), t('a', 1)], t('b', 2)).map((x) => x.id)).toEqual(['c', 'b', 'a']);
  });

  it('lists a trade seen twice (query and subscription) once', () => {
    expect(withTrade([t('b', 2), t('a', 1)], t('b', 2)).map((x) => x.id)).toEqual(['b', 'a']);
  });

  it('keeps at most max, dropping the oldest', () => {
    expect(withTrade([t('b', 2), t('a', 1)], t('c', 3), 2).map((x) => x.id)).toEqual(['c', 'b']);
  });
});

describe('withTrade, among trades of one time (the trades of one order)', () => {
  const at = (id: string) => t(id, 5);

  it('lists them by the count in their ids, newest first, whatever order they came in', () => {
    const ids = ['h100-t3', 'h100-t1', 'h100-t2'];
    for (const order of [ids, [...ids].reverse(), ['h100-t2', 'h100-t3', 'h100-t1']])
      expect(
        order
          .reduce((list, id) => withTrade(list, at(id)), [] as { id: string; time: string }[])
          .map((x) => x.id),
      ).toEqual(['h100-t3', 'h100-t2', 'h100-t1']);
  });

  it('reads the count as a number, not as text (t10 after t9)', () => {
    expect(withTrade([at('m-t9'), at('m-t8')], at('m-t10')).map((x) => x.id)).toEqual([
      'm-t10',
      'm-t9',
      'm-t8',
    ]);
  });

  it('keeps the newest when the list is full, and drops the oldest', () => {
    const full = [at('m-t12'), at('m-t11')];
    expect(withTrade(full, at('m-t13'), 2).map((x) => x.id)).toEqual(['m-t13', 'm-t12']);
    expect(withTrade(full, at('m-t10'), 2).map((x) => x.id)).toEqual(['m-t12', 'm-t11']);
  });

  it('takes the count from the end of an id whose market id holds "-t" itself', () => {
    expect(tradeCount('gpu-t4-t12')).toBe(12);
    expect(withTrade([at('gpu-t4-t9')], at('gpu-t4-t12')).map((x) => x.id)).toEqual([
      'gpu-t4-t12',
      'gpu-t4-t9',
    ]);
  });

  it('still puts a later time first, whatever the counts', () => {
    expect(withTrade([t('m-t2', 1)], t('m-t1', 2)).map((x) => x.id)).toEqual(['m-t1', 'm-t2']);
  });
});

describe('newestFirst', () => {
  it('orders ids without a count after counted ones of their time, by id: the same order from any start', () => {
    const trades = [t('m-t2', 5), t('m-t10', 5), t('m-t1z', 5), t('zz', 5), t('m-t3', 6)];
    const expected = ['m-t3', 'm-t10', 'm-t2', 'zz', 'm-t1z'];
    expect([...trades].sort(newestFirst).map((x) => x.id)).toEqual(expected);
    expect(
      [...trades]
        .reverse()
        .sort(newestFirst)
        .map((x) => x.id),
    ).toEqual(expected);
  });
});
