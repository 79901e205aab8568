import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketEvent, MarketState } from '../market';

/** A market opens once, with its spec. */
export function openMarket(
  command: MarketCommandOf<'orders.OpenMarket'>,
  state: MarketState,
): Decision<MarketEvent> {
  if (state.spec)
    return reject(
      'ALREADY_EXISTS',
      state.open
        ? `market ${command.data.marketId} already exists`
        : `market ${command.data.marketId} already exists and is closed: a closed market never reopens, open one under another id`,
      'marketId',
    );
  return accept({ type: 'orders.MarketOpened', data: command.data });
}
