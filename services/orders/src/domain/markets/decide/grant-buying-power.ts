import { closedMarketMessage, type RejectionCode } from '@gpux/contracts';
import { accept, Decision } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketEvent, MarketState } from '../market';

/**
 * Buying power settlement set aside for an account's bids in this market (with its
 * BuyingPowerAllotted, docs/event-flows.md "Buying power"): an open market takes it; one that is
 * closed or not there records the refusal (BuyingPowerRefused), and the whole amount goes back to
 * the account in the same transaction (escrow-holds).
 */
export function grantBuyingPower(
  command: MarketCommandOf<'orders.GrantBuyingPower'>,
  state: MarketState,
): Decision<MarketEvent> {
  const { marketId } = command.data;
  const refuse = (code: RejectionCode, message: string) =>
    accept<MarketEvent>({
      type: 'orders.BuyingPowerRefused',
      data: { ...command.data, code, message, field: 'marketId' },
    });
  if (!state.spec) return refuse('NOT_FOUND', `market ${marketId} does not exist`);
  if (!state.open)
    return refuse('MARKET_CLOSED', closedMarketMessage(marketId, undefined, 'it takes no buying power'));
  return accept({ type: 'orders.BuyingPowerGranted', data: command.data });
}
