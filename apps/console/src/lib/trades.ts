// The recent trades list: newest first, each trade once, at most `max`.
export interface Identified {
  id: string;
  time: string;
}

export function withTrade<T extends Identified>(trades: readonly T[], trade: T, max = 50): T[] {
  if (trades.some((t) => t.id === trade.id)) return [...trades];
  const merged = [...trades, trade].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  return merged.slice(0, max);
}
