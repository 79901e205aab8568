// The recent trades list: newest first, each trade once, at most `max`.
export interface Identified {
  id: string;
  time: string;
}

/**
 * The market's count of the trade: a trade's id is `<marketId>-t<n>`, n counting the market's
 * trades from 1 in the order they happened (orders' enter-book.ts). The trades of one order share
 * its time, so n is what orders them; it is read as a number (`-t10` after `-t9`), never compared
 * as text. Null for an id of another form.
 */
export function tradeCount(id: string): number | null {
  const match = /-t(\d+)$/.exec(id);
  return match ? Number(match[1]) : null;
}

/**
 * Sorts newest first: by time, then among trades of one time by the market's count (the later
 * trade first), so the order never depends on arrival. Ids of another form (none the API gives)
 * come after counted ones of their time, by id: a total order all the same.
 */
export function newestFirst(a: Identified, b: Identified): number {
  const byTime = Date.parse(b.time) - Date.parse(a.time);
  if (byTime !== 0) return byTime;
  const na = tradeCount(a.id);
  const nb = tradeCount(b.id);
  if (na !== null && nb !== null) {
    if (na !== nb) return nb - na;
  } else if (na !== null || nb !== null) return na !== null ? -1 : 1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function withTrade<T extends Identified>(trades: readonly T[], trade: T, max = 50): T[] {
  if (trades.some((t) => t.id === trade.id)) return [...trades];
  const merged = [...trades, trade].sort(newestFirst);
  return merged.slice(0, max);
}
