import { foldTrades, Held, mergeRead, unlisted, unwatched, type MarketUpdate } from './resync';

interface Ticker {
  last: string;
  trades: number;
}
interface Book {
  asks: string[];
}
interface Trade {
  id: string;
  price: string;
  gpus: number;
  hours: number;
  time: string;
}
type Update = MarketUpdate<Ticker, Book, Trade>;

const MINUTE = 60;
/** Minute 0 of the test's hour is 00:00. */
const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 0, 1, 0, minute, second)).toISOString();
const trade = (n: number, price: string, minute: number, second = 0): Trade => ({
  id: `m-t${n}`,
  price,
  gpus: 1,
  hours: 1,
  time: at(minute, second),
});
const minute = (m: number) => Date.UTC(2026, 0, 1, 0, m) / 1000;
const ids = (trades: Trade[]) => trades.map((t) => t.id);

describe('Held', () => {
  it('applies updates at once when no read is in flight', () => {
    const applied: number[] = [];
    const held = new Held<number>((n) => applied.push(n));
    held.push(1);
    expect(applied).toEqual([1]);
    expect(held.release()).toEqual([]);
  });

  it('holds what comes from hold to release, in order, and applies what comes after', () => {
    const applied: number[] = [];
    const held = new Held<number>((n) => applied.push(n));
    held.hold();
    held.push(1);
    held.push(2);
    held.hold(); // a second hold (a read again) keeps what is held
    held.push(3);
    expect(applied).toEqual([]);
    expect(held.release()).toEqual([1, 2, 3]);
    held.push(4);
    expect(applied).toEqual([4]);
  });
});

describe('mergeRead: a read merged with what the subscriptions sent while it was in flight', () => {
  const read = {
    candles: [{ time: minute(0), open: 2.3, high: 2.4, low: 2.3, close: 2.4 }],
    trades: [trade(2, '2.40', 0, 30), trade(1, '2.30', 0, 10)],
  };

  it('keeps a trade that came after the read ran (the one the read-then-subscribe order lost)', () => {
    const held: Update[] = [{ kind: 'trade', trade: trade(3, '2.50', 0, 40) }];
    const merged = mergeRead(read, held, [], MINUTE);
    expect(ids(merged.trades)).toEqual(['m-t3', 'm-t2', 'm-t1']);
    expect(merged.candles).toEqual([{ time: minute(0), open: 2.3, high: 2.5, low: 2.3, close: 2.5 }]);
  });

  it('lists a trade both in the read and held once, and leaves the candle as the read has it', () => {
    const held: Update[] = [{ kind: 'trade', trade: trade(2, '2.40', 0, 30) }];
    const merged = mergeRead(read, held, [], MINUTE);
    expect(ids(merged.trades)).toEqual(['m-t2', 'm-t1']);
    expect(merged.candles).toEqual(read.candles);
  });

  it('folds held trades in the order they happened: the candle closes at the last one', () => {
    // t3 the read counted already (its high), t4 it did not; they came in either order.
    const later = { ...read, candles: [{ time: minute(0), open: 2.3, high: 2.6, low: 2.3, close: 2.6 }] };
    for (const held of [
      [trade(3, '2.60', 0, 40), trade(4, '2.45', 0, 40)],
      [trade(4, '2.45', 0, 40), trade(3, '2.60', 0, 40)],
    ]) {
      const merged = mergeRead(
        later,
        held.map((t): Update => ({ kind: 'trade', trade: t })),
        [],
        MINUTE,
      );
      expect(merged.candles).toEqual([{ time: minute(0), open: 2.3, high: 2.6, low: 2.3, close: 2.45 }]);
      expect(ids(merged.trades)).toEqual(['m-t4', 'm-t3', 'm-t2', 'm-t1']);
    }
  });

  it('opens the next candle for a held trade of a later minute', () => {
    const merged = mergeRead(read, [{ kind: 'trade', trade: trade(3, '2.50', 1, 5) }], [], MINUTE);
    expect(merged.candles).toEqual([
      read.candles[0],
      { time: minute(1), open: 2.5, high: 2.5, low: 2.5, close: 2.5 },
    ]);
  });

  it('keeps the trades shown before the read (a read again after a drop), each once', () => {
    const merged = mergeRead(read, [], [trade(2, '2.40', 0, 30), trade(1, '2.30', 0, 10)], MINUTE);
    expect(ids(merged.trades)).toEqual(['m-t2', 'm-t1']);
  });

  it('keeps at most max trades, the newest', () => {
    const merged = mergeRead(read, [{ kind: 'trade', trade: trade(3, '2.50', 0, 40) }], [], MINUTE, 2);
    expect(ids(merged.trades)).toEqual(['m-t3', 'm-t2']);
  });

  it('takes the last book and the last ticker held (each subscription sends the state first, then every change, in order)', () => {
    const held: Update[] = [
      { kind: 'book', book: { asks: ['2.60'] } },
      { kind: 'ticker', ticker: { last: '2.40', trades: 2 } },
      { kind: 'book', book: { asks: ['2.70'] } },
      { kind: 'ticker', ticker: { last: '2.50', trades: 3 } },
    ];
    const merged = mergeRead(read, held, [], MINUTE);
    expect(merged.book).toEqual({ asks: ['2.70'] });
    expect(merged.ticker).toEqual({ last: '2.50', trades: 3 });
  });

  it('has no book nor ticker while neither subscription has sent its first (the page waits for them)', () => {
    const merged = mergeRead(read, [{ kind: 'book', book: { asks: ['2.60'] } }], [], MINUTE);
    expect(merged.book).toEqual({ asks: ['2.60'] });
    expect('ticker' in merged).toBe(false);
    expect('book' in mergeRead(read, [], [], MINUTE)).toBe(false);
  });

  it('merges nothing held as the read alone', () => {
    expect(mergeRead(read, [], [], MINUTE)).toEqual(read);
  });
});

describe('foldTrades', () => {
  it('starts the candles from none', () => {
    expect(foldTrades([], [trade(1, '2.00', 0), trade(2, '3.00', 0, 1)], MINUTE)).toEqual([
      { time: minute(0), open: 2, high: 3, low: 2, close: 3 },
    ]);
  });

  it('passes over a trade older than the last candle (the read has it)', () => {
    const candles = [{ time: minute(1), open: 2, high: 2, low: 2, close: 2 }];
    expect(foldTrades(candles, [trade(1, '9.00', 0, 59)], MINUTE)).toEqual(candles);
  });
});

describe('unwatched', () => {
  it('answers the ids not watched yet, once each, in order', () => {
    expect(unwatched(['n1', 'n2', 'n3', 'n2'], new Set(['n2']))).toEqual(['n1', 'n3']);
    expect(unwatched(['n1'], new Map([['n1', () => undefined]]))).toEqual([]);
  });
});

describe('unlisted', () => {
  it('answers the ids watched that the page shown no longer lists, in order', () => {
    expect(unlisted(new Set(['n1', 'n2', 'n3']), ['n3', 'n4'])).toEqual(['n1', 'n2']);
    expect(unlisted(new Set(['n1']), ['n1'])).toEqual([]);
    expect(unlisted(new Set(['n1', 'n2']), [])).toEqual(['n1', 'n2']);
  });
});
