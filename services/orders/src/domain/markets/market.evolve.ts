import { own } from '@gpux/eventsourcing/domain';
import { ENDED_LEASE_RETENTION_MS, engineOrder, MarketEvent, MarketState } from './market';

/** The account's buying power after `by` (signed) more of it: an account left with none has no entry. */
function addPower(state: MarketState, accountId: string, by: number): void {
  const power = (state.power ??= {});
  const next = (own(power, accountId) ?? 0) + by;
  if (next > 0) power[accountId] = next;
  else delete power[accountId];
}

/**
 * The market after an event: what the log records, applied. An accepted order enters the book, its
 * trades fill it and its makers, cancellations take out the rest; nothing is matched here, so a
 * replay never depends on the engine. The book and every map that grows with the market (orders,
 * nodes, their leases) are updated in place (a deep book or a market of many nodes is not copied
 * per event): see createMarketDecider on why that is safe.
 */
export function evolveMarket(state: MarketState, event: MarketEvent): MarketState {
  switch (event.type) {
    case 'orders.MarketOpened':
      return { ...state, spec: event.data, open: true };
    case 'orders.MarketClosed':
      return { ...state, open: false };
    case 'orders.NodeRecorded':
      state.nodes[event.data.nodeId] = event.data;
      return state;
    case 'orders.BidAwaitingFunds':
      state.awaitingFunds[event.data.order.orderId] = event.data;
      return state;
    case 'orders.FundedBidRefused':
    case 'orders.BuyingPowerRefused':
      // Never in the book, never granted: the hold is released by the commands written with it.
      return state;
    case 'orders.BuyingPowerGranted':
      addPower(state, event.data.accountId, event.data.amount);
      return state;
    case 'orders.BuyingPowerReturned':
      addPower(state, event.data.accountId, -event.data.amount);
      return state;
    case 'orders.OrderAccepted': {
      // The order enters the book with all its GPUs; the trades recorded after it fill it, and
      // what it does not trade is cancelled. Nothing is matched here: the log says what traded.
      // In place, like the book: copying every resting order per event costs milliseconds
      // in a deep book (see the decider's comment on why in-place is safe).
      const { order, powerUsed } = event.data;
      delete state.awaitingFunds[order.orderId];
      state.book.rest(engineOrder(order));
      state.orders[order.orderId] = order;
      if (powerUsed !== undefined) {
        addPower(state, order.accountId, -powerUsed);
        (state.powerBids ??= {})[order.orderId] = true;
      }
      return state;
    }
    case 'orders.TradeExecuted': {
      const { bidId, askId, gpus } = event.data;
      for (const id of [bidId, askId]) {
        state.book.fill(id, gpus);
        if (!state.book.has(id)) {
          delete state.orders[id];
          if (state.powerBids) delete state.powerBids[id];
        }
      }
      // A bid on buying power: what the trade does not cost of its worst case returns to it.
      if (event.data.fromPower) addPower(state, event.data.buyerId, event.data.holdReleased);
      // The node's leases, those ended longer than ENDED_LEASE_RETENTION_MS before this one's start
      // dropped: a suspension whose `at` (the node's last heartbeat) precedes their end, decided
      // after this trade, still breaches the ones ended since (decide/suspend-node.ts).
      const start = Date.parse(event.data.start);
      const keepFrom = start - ENDED_LEASE_RETENTION_MS;
      const current = (own(state.leases, event.data.nodeId) ?? []).filter((l) => l.end > keepFrom);
      current.push({
        end: Date.parse(event.data.end),
        gpus: event.data.gpus,
        tradeId: event.data.tradeId,
        buyerId: event.data.buyerId,
      });
      state.leases[event.data.nodeId] = current;
      state.trades += 1;
      return state;
    }
    case 'orders.NodeSuspended': {
      // Uncertified until capacity records a new certification: asks on it are refused.
      const node = own(state.nodes, event.data.nodeId);
      if (!node) return state;
      state.nodes[node.nodeId] = { ...node, certifiedTflopsPerGpu: null, suspended: event.data.reason };
      return state;
    }
    case 'orders.LeaseBreached': {
      // The breached lease no longer occupies the node's GPUs.
      const leases = (own(state.leases, event.data.nodeId) ?? []).filter(
        (l) => l.tradeId !== event.data.leaseId,
      );
      state.leases[event.data.nodeId] = leases;
      return state;
    }
    case 'orders.OrderCancelled': {
      const { orderId } = event.data;
      state.book.cancel(orderId);
      delete state.orders[orderId];
      if (state.powerBids) delete state.powerBids[orderId];
      if (event.data.fromPower) addPower(state, event.data.accountId, event.data.holdReleased);
      const waiting = own(state.awaitingFunds, orderId);
      delete state.awaitingFunds[orderId];
      delete state.cancelledAwaiting[orderId];
      // A bid cancelled while awaiting funds may still get its hold: remember to release it.
      if (waiting && event.data.reason === 'CANCELLED') state.cancelledAwaiting[orderId] = waiting;
      return state;
    }
  }
}
