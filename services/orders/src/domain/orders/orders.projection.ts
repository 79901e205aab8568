import { Envelope, isMessageOf, OrdersEvents, ordersReadModel as rm } from '@gpux/contracts';
import type { Projection, RedisOp } from '@gpux/eventsourcing/domain';

const hset = (key: string, fields: Record<string, string | number | undefined>): RedisOp[] =>
  Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([field, value]) => ({ op: 'hset', key, field, value: String(value) }));

/**
 * An order listed for its account: among all its orders, its orders in the market, on its side
 * (in all markets and in this one), and its live ones until its GPUs are all filled or cancelled
 * (checked at once too, so that a listing is right whatever the order's counters hold).
 */
const listing = (
  order: { accountId: string; marketId: string; orderId: string; side: string },
  at: number,
): RedisOp[] => {
  const { accountId, marketId, orderId, side } = order;
  return [
    { op: 'zadd', key: rm.accountOrders(accountId), score: at, member: orderId },
    { op: 'zadd', key: rm.accountMarketOrders(accountId, marketId), score: at, member: orderId },
    { op: 'zadd', key: rm.accountSideOrders(accountId, side), score: at, member: orderId },
    { op: 'zadd', key: rm.accountMarketSideOrders(accountId, marketId, side), score: at, member: orderId },
    { op: 'zadd', key: rm.accountLiveOrders(accountId), score: at, member: orderId },
    leavesLiveWhenDone(accountId, orderId),
  ];
};

/** The order leaves its account's live orders once filled + cancelled reach its GPUs (orderStatus). */
const leavesLiveWhenDone = (accountId: string, orderId: string): RedisOp => ({
  op: 'zremWhenReached',
  key: rm.accountLiveOrders(accountId),
  member: orderId,
  hash: rm.order(orderId),
  sum: ['filled', 'cancelled'],
  reaches: 'gpus',
});

/**
 * One more change recorded to the order (its `version`): of two states of one order read apart (a
 * query's, a subscription's message), the one with the higher version is the later, which the
 * times cannot always say (two events of one millisecond).
 */
const changed = (key: string): RedisOp => ({ op: 'hincrby', key, field: 'version', by: 1 });

/** The events this projection folds. */
const FOLDED = [
  OrdersEvents.marketOpened,
  OrdersEvents.marketClosed,
  OrdersEvents.nodeRecorded,
  OrdersEvents.nodeSuspended,
  OrdersEvents.bidAwaitingFunds,
  OrdersEvents.orderAccepted,
  OrdersEvents.tradeExecuted,
  OrdersEvents.orderCancelled,
  OrdersEvents.fundedBidRefused,
  OrdersEvents.buyingPowerGranted,
  OrdersEvents.buyingPowerReturned,
] as const;

/** An account's buying power in a market changed by `by` (signed, µ$). */
const power = (marketId: string, accountId: string, by: number): RedisOp => ({
  op: 'hincrby',
  key: rm.buyingPower(marketId),
  field: accountId,
  by,
});

/** Markets, their nodes, orders with their fills and cancels, per account; from orders' events. */
export function ordersProjection(eventsTopic: string): Projection {
  return {
    name: 'orders.orders',
    // 2: each account's live orders and its orders per market (a model folded before has neither).
    // 3: and its filled and its cancelled orders.
    // 4: and its orders per side, in all markets and per market.
    // 5: a suspended node leaves its market's nodes until capacity records it again.
    // 6: each order counts the changes recorded to it (its version).
    // 7: each order sums its trades' values and GPU-hours, and lists its trades.
    version: '7',
    topics: [eventsTopic],
    keyPrefix: rm.prefix,
    apply(event: Envelope): RedisOp[] {
      if (!isMessageOf(event, FOLDED)) return [];
      const at = Date.parse(event.time);
      switch (event.type) {
        case 'orders.MarketOpened': {
          const m = event.data;
          return [
            ...hset(rm.market(m.marketId), {
              gpuClass: m.gpuClass,
              minTflopsPerGpu: m.minTflopsPerGpu,
              tickSize: m.tickSize,
              feeRateBps: m.feeRateBps,
              status: 'OPEN',
              openedAt: event.time,
            }),
            { op: 'zadd', key: rm.markets, score: at, member: m.marketId },
          ];
        }
        case 'orders.MarketClosed': {
          const { marketId } = event.data;
          return hset(rm.market(marketId), { status: 'CLOSED', closedAt: event.time });
        }
        case 'orders.NodeRecorded': {
          const n = event.data;
          return [{ op: 'hset', key: rm.marketNodes(n.marketId), field: n.nodeId, value: JSON.stringify(n) }];
        }
        case 'orders.NodeSuspended': {
          // The market takes no ask on it until capacity records it again (its recertification,
          // a NodeRecorded). The event carries no record to write uncertified (the decider's
          // evolve nulls certifiedTflopsPerGpu of the one it holds), and a fold never reads, so
          // the node is left out: a reader finds no certificate for it either way.
          const { marketId, nodeId } = event.data;
          return [{ op: 'hdel', key: rm.marketNodes(marketId), field: nodeId }];
        }
        case 'orders.BuyingPowerGranted': {
          const g = event.data;
          return [power(g.marketId, g.accountId, g.amount)];
        }
        case 'orders.BuyingPowerReturned': {
          const r = event.data;
          return [power(r.marketId, r.accountId, -r.amount)];
        }
        case 'orders.FundedBidRefused': {
          // No order (as a rejected PlaceOrder makes none): what its placer is answered, under the
          // id of the PlaceOrder settlement wrote for it (the gateway derives it from its hold).
          const r = event.data;
          if (!event.causationId) return [];
          return hset(rm.fundedBidRefusal(event.causationId), {
            orderId: r.order.orderId,
            accountId: r.order.accountId,
            code: r.code,
            message: r.message,
            field: r.field,
            heldAmount: r.heldAmount,
            time: event.time,
          });
        }
        case 'orders.BidAwaitingFunds':
        case 'orders.OrderAccepted': {
          const { order } = event.data;
          const key = rm.order(order.orderId);
          const accepted = event.type === 'orders.OrderAccepted';
          // An account lists a bid from when it awaits funds, or, funded before it was placed
          // (heldAmount) or from buying power (powerUsed), from its acceptance; an ask from its
          // acceptance.
          const listed =
            event.type === 'orders.BidAwaitingFunds' ||
            (event.type === 'orders.OrderAccepted' &&
              (order.side === 'ask' ||
                event.data.heldAmount !== undefined ||
                event.data.powerUsed !== undefined));
          const spent =
            event.type === 'orders.OrderAccepted' && event.data.powerUsed !== undefined
              ? [power(order.marketId, order.accountId, -event.data.powerUsed)]
              : [];
          return [
            ...hset(key, {
              marketId: order.marketId,
              side: order.side,
              accountId: order.accountId,
              price: order.price,
              gpus: order.gpus,
              hours: order.hours,
              nodeId: order.nodeId,
              minGpusPerNode: order.minGpusPerNode,
              timeInForce: order.timeInForce,
              clientOrderId: order.clientOrderId,
              // A bid on buying power says so; any other bid was funded by its balance.
              funding:
                event.type === 'orders.OrderAccepted' && event.data.powerUsed !== undefined
                  ? 'BUYING_POWER'
                  : undefined,
              updatedAt: event.time,
              ...(accepted ? { accepted: 1 } : {}),
            }),
            // A bid is created when it awaits funds (or is placed funded); an ask when it is accepted.
            { op: 'hsetnx', key, field: 'createdAt', value: event.time },
            { op: 'hincrby', key, field: 'filled', by: 0 },
            { op: 'hincrby', key, field: 'cancelled', by: 0 },
            changed(key),
            ...(listed ? listing(order, at) : []),
            ...spent,
            {
              op: 'publish',
              key: rm.accountOrdersChannel(order.accountId),
              message: JSON.stringify({ orderId: order.orderId, type: event.type }),
            },
          ];
        }
        case 'orders.TradeExecuted': {
          const { fromPower, ...t } = event.data;
          const ops: RedisOp[] = [
            // Its fields as the event has them: takerSide only from v2 on (a v1 trade, read as a v2
            // without it, is kept as before, so the model folded by this version needs no refold).
            ...hset(rm.trade(t.tradeId), { ...t, time: event.time }),
            // A bid on buying power: what the trade did not cost of its worst case returns to it.
            ...(fromPower && t.holdReleased > 0 ? [power(t.marketId, t.buyerId, t.holdReleased)] : []),
            { op: 'zadd', key: rm.accountFills(t.buyerId), score: at, member: t.tradeId },
            { op: 'zadd', key: rm.accountFills(t.providerId), score: at, member: t.tradeId },
          ];
          for (const [orderId, accountId] of [
            [t.bidId, t.buyerId],
            [t.askId, t.providerId],
          ] as const) {
            ops.push(
              { op: 'hincrby', key: rm.order(orderId), field: 'filled', by: t.gpus },
              // What the order has traded for, its average price (filledValue / filledGpuHours).
              { op: 'hincrby', key: rm.order(orderId), field: 'filledValue', by: t.value },
              { op: 'hincrby', key: rm.order(orderId), field: 'filledGpuHours', by: t.gpus * t.hours },
              { op: 'zadd', key: rm.orderFills(orderId), score: at, member: t.tradeId },
              leavesLiveWhenDone(accountId, orderId),
              {
                op: 'zaddWhenReached',
                key: rm.accountFilledOrders(accountId),
                member: orderId,
                score: at,
                hash: rm.order(orderId),
                sum: ['filled'],
                reaches: 'gpus',
              },
              { op: 'hset', key: rm.order(orderId), field: 'updatedAt', value: event.time },
              changed(rm.order(orderId)),
              {
                op: 'publish',
                key: rm.accountOrdersChannel(accountId),
                message: JSON.stringify({ orderId, type: event.type }),
              },
            );
          }
          return ops;
        }
        case 'orders.OrderCancelled': {
          const c = event.data;
          const key = rm.order(c.orderId);
          return [
            // At most one cancel takes an order's GPUs out; a second OrderCancelled only releases the
            // late hold of a bid cancelled while awaiting funds, naming the same GPUs: not added twice.
            { op: 'hmax', key, field: 'cancelled', value: c.gpus },
            ...(c.fromPower && c.holdReleased > 0 ? [power(c.marketId, c.accountId, c.holdReleased)] : []),
            leavesLiveWhenDone(c.accountId, c.orderId),
            { op: 'zadd', key: rm.accountCancelledOrders(c.accountId), score: at, member: c.orderId },
            ...hset(key, { cancelReason: c.reason, updatedAt: event.time }),
            changed(key),
            {
              op: 'publish',
              key: rm.accountOrdersChannel(c.accountId),
              message: JSON.stringify({ orderId: c.orderId, type: event.type }),
            },
          ];
        }
      }
    },
  };
}
