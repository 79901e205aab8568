import { holdFor, type Order } from '@gpux/contracts';
import { scenario } from '@gpux/eventsourcing/domain';
import { createMarketDecider, MarketEvent } from '../market.decider';
import { askOrder, awaitingFunds, bidOrder, confirmFunds, h100, nodeRecord } from '../market.fixture';
import { orderCancelled } from '../decide/order-cancelled';
import { MAX_RESTING_BIDS } from './resting-bids';

// The resting-bids rule: an account may have so many bids resting in a market; a bid that may
// rest beyond that is refused, a funded one with its hold released; IOC and FOK never rest.

const NOW = new Date('2026-06-01T12:00:00.000Z');
const opened: MarketEvent = { type: 'orders.MarketOpened', data: h100 };
const node: MarketEvent = { type: 'orders.NodeRecorded', data: nodeRecord() };
const accepted = (order: Order): MarketEvent => ({ type: 'orders.OrderAccepted', data: { order } });
const funded = (order: Order) => ({
  type: 'orders.PlaceOrder' as const,
  data: { ...order, heldAmount: holdFor(order, h100.feeRateBps) },
});
// Two bids of buyer-1 rest below the ask (2.00): at 1.00 they cannot trade.
const low = (id: string, extra: Partial<Order> = {}) => bidOrder(id, { price: 1_000_000, ...extra });
const market = scenario(createMarketDecider(undefined, 2));
const given = [opened, node, accepted(askOrder('a1')), accepted(low('b1')), accepted(low('b2'))];

describe('the resting-bids rule', () => {
  it('refuses a bid that may rest from an account with the most resting, funded or not, naming the market', () => {
    const message =
      'you have 2 bids resting in market H100, the most one account may: cancel some, or bid IOC or FOK (they never rest)';
    const rejected = market
      .given(...given)
      .when({ type: 'orders.PlaceOrder', data: low('b3') }, { now: NOW })
      .thenRejects('TOO_MANY_OPEN_ORDERS', 'marketId');
    expect(rejected.message).toBe(message);
    // A funded bid is refused on the record, so that settlement releases its hold.
    const order = low('b3');
    market
      .given(...given)
      .when(funded(order), { now: NOW })
      .then([
        {
          type: 'orders.FundedBidRefused',
          data: {
            order,
            heldAmount: holdFor(order, h100.feeRateBps),
            code: 'TOO_MANY_OPEN_ORDERS',
            message,
            field: 'marketId',
          },
        },
      ]);
  });

  it('takes bids that never rest, bids of other accounts, and asks, whatever the account has resting', () => {
    for (const order of [
      low('b3', { timeInForce: 'IOC' }),
      bidOrder('b3', { timeInForce: 'FOK' }),
      low('b3', { accountId: 'buyer-2' }),
      askOrder('a2', { gpus: 2 }),
    ]) {
      const decision = market.given(...given).when({ type: 'orders.PlaceOrder', data: order }, { now: NOW });
      expect([order.orderId, decision.kind]).toEqual([order.orderId, 'accepted']);
    }
  });

  it('takes a bid again once one of the resting bids of the account has left the book', () => {
    const cancelled = orderCancelled(low('b1'), 2, 'CANCELLED', holdFor(low('b1'), h100.feeRateBps));
    const decision = market.given(...given, cancelled).when(funded(low('b3')), { now: NOW });
    expect(decision.kind === 'accepted' && decision.events[0]!.type).toBe('orders.OrderAccepted');
  });

  describe('on the older handshake (a bid that awaits funds, then is confirmed)', () => {
    const awaiting = awaitingFunds;
    const confirm = confirmFunds;
    // b3 was placed, awaiting its funds, while buyer-1 had one bid resting: its placement passed
    // the rule; b2 entered the book meanwhile (it would, funded or confirmed), so now it has two.
    const placedBelow = [opened, node, accepted(askOrder('a1')), accepted(low('b1')), awaiting(low('b3'))];

    it('refuses a confirmed bid that may rest from an account with the most resting, its hold released', () => {
      const order = low('b3');
      market
        .given(...placedBelow, accepted(low('b2')))
        .when(confirm('b3'), { now: NOW })
        .then([
          orderCancelled(order, 2, 'TOO_MANY_OPEN_ORDERS', holdFor(order, h100.feeRateBps), {
            inBook: false,
          }),
        ]);
      // Refused once: the bid no longer awaits funds, so a repeated confirmation releases nothing.
      market
        .given(
          ...placedBelow,
          accepted(low('b2')),
          orderCancelled(order, 2, 'TOO_MANY_OPEN_ORDERS', holdFor(order, h100.feeRateBps), {
            inBook: false,
          }),
        )
        .when(confirm('b3'), { now: NOW })
        .thenRejects('NOT_FOUND', 'orderId');
    });

    it('takes a confirmed bid below the most, and one that never rests, as before', () => {
      const below = market.given(...placedBelow).when(confirm('b3'), { now: NOW });
      expect(below.kind === 'accepted' && below.events.map((e) => e.type)).toEqual(['orders.OrderAccepted']);
      const ioc = low('b4', { timeInForce: 'IOC' });
      const never = market.given(...given, awaiting(ioc)).when(confirm('b4'), { now: NOW });
      expect(never.kind === 'accepted' && never.events.map((e) => e.type)).toEqual([
        'orders.OrderAccepted',
        'orders.OrderCancelled',
      ]);
    });
  });

  it('allows a thousand resting bids per account unless the service is told otherwise', () => {
    expect(MAX_RESTING_BIDS).toBe(1_000);
  });
});
