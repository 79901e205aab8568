import { Decider, Decision } from '@gpux/eventsourcing/domain';
import { cancelOrder } from './decide/cancel-order';
import { closeMarket } from './decide/close-market';
import { confirmBidFunds } from './decide/confirm-bid-funds';
import { grantBuyingPower } from './decide/grant-buying-power';
import { openMarket } from './decide/open-market';
import { placeOrder } from './decide/place-order';
import { recordNode } from './decide/record-node';
import { rejectBidFunds } from './decide/reject-bid-funds';
import { releaseBuyingPower } from './decide/release-buying-power';
import { suspendNode } from './decide/suspend-node';
import {
  HOUR_MS,
  initialMarketState,
  MarketCommand,
  MarketContext,
  MarketEvent,
  MarketState,
} from './market';
import { evolveMarket } from './market.evolve';
import { MAX_RESTING_BIDS } from './rules/resting-bids';

export { HOUR_MS, MARKET_COMMANDS, MARKET_EVENTS, reviveMarket } from './market';
export { MAX_RESTING_BIDS } from './rules/resting-bids';
export type { MarketCommand, MarketEvent, MarketState } from './market';
export { feePerGpuHour, holdFor } from '@gpux/contracts';

/** One function per command (decide/), each with the rules it applies (rules/). */
function decideMarket(
  command: MarketCommand,
  state: MarketState,
  context: MarketContext,
): Decision<MarketEvent> {
  switch (command.type) {
    case 'orders.OpenMarket':
      return openMarket(command, state);
    case 'orders.CloseMarket':
      return closeMarket(command, state);
    case 'orders.RecordNode':
      return recordNode(command, state, context);
    case 'orders.PlaceOrder':
      return placeOrder(command, state, context);
    case 'orders.CancelOrder':
      return cancelOrder(command, state);
    case 'orders.ConfirmBidFunds':
      return confirmBidFunds(command, state, context);
    case 'orders.RejectBidFunds':
      return rejectBidFunds(command, state);
    case 'orders.SuspendNode':
      return suspendNode(command, state);
    case 'orders.GrantBuyingPower':
      return grantBuyingPower(command, state);
    case 'orders.ReleaseBuyingPower':
      return releaseBuyingPower(command, state);
    default: {
      const unknown: never = command;
      throw new Error(`the market decides no ${(unknown as MarketCommand).type}`);
    }
  }
}

/**
 * A market (docs/event-flows.md): its nodes, its book, the escrow handshake of its bids, and the
 * buying power settlement set aside for its accounts' bids. A bid is funded before it can trade
 * (held by settlement first, or from its account's buying power here); a trade creates a lease. Matching happens in decide
 * only; evolve applies what the log records (an accepted order enters the book, its trades fill
 * it and its makers, cancellations take out the rest), so a replay never depends on the engine.
 * Pure except that evolve updates the book and the maps of orders, nodes and leases in place (a
 * deep book is not copied per event): the library evolves only events it has validated and is
 * about to commit, and discards a partition's state whenever a transaction or an evolve fails, so
 * no half-applied state survives.
 */
export function createMarketDecider(
  hourMs = HOUR_MS,
  maxRestingBids = MAX_RESTING_BIDS,
): Decider<MarketCommand, MarketEvent, MarketState> {
  return {
    initialState: initialMarketState,
    decide: (command, state, { now }) => decideMarket(command, state, { now, hourMs, maxRestingBids }),
    evolve: evolveMarket,
  };
}

export const marketDecider = createMarketDecider();
