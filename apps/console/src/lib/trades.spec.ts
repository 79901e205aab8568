import { withTrade } from './trades';

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
