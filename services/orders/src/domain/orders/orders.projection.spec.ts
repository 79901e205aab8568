import { Envelope, Order, orderStatus, ordersReadModel as rm } from '@gpux/contracts';
import { applyOps, Model, Published, RedisOp } from '@gpux/eventsourcing/domain';
import { orderView, tradeView } from '@gpux/read-models';
import { MarketCommand, MarketEvent, marketDecider } from '../markets/market.decider';
import { askOrder, bidOrder, h100, nodeRecord } from '../markets/market.fixture';
import { ordersProjection } from './orders.projection';

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1_000);
const spec = h100;
const node = nodeRecord();
const ask = (orderId: string, extra: Partial<Order> = {}) => askOrder(orderId, { gpus: 1, ...extra });
const bid = (orderId: string, extra: Partial<Order> = {}) => bidOrder(orderId, { gpus: 4, ...extra });
const place = (order: Order): MarketCommand => ({ type: 'orders.PlaceOrder', data: order });
const confirm = (orderId: string): MarketCommand => ({
  type: 'orders.ConfirmBidFunds',
  data: { marketId: 'H100', orderId },
});
const rejectFunds = (orderId: string): MarketCommand => ({
  type: 'orders.RejectBidFunds',
  data: { marketId: 'H100', orderId },
});
const cancel = (orderId: string, accountId: string): MarketCommand => ({
  type: 'orders.CancelOrder',
  data: { marketId: 'H100', orderId, accountId },
});

/**
 * A market's log, written by the real decider: each command is decided on the state folded from
 * what the log holds so far, at its own time, and its events are appended as envelopes.
 */
function marketLog(subject = 'H100') {
  const events: MarketEvent[] = [];
  const log: Envelope[] = [];
  return {
    log,
    events: () => events,
    run(command: MarketCommand, now: Date): Envelope[] {
      const state = events.reduce(marketDecider.evolve, marketDecider.initialState());
      const decision = marketDecider.decide(command, state, { now });
      if (decision.kind !== 'accepted')
        throw new Error(`${command.type} rejected: ${decision.code} ${decision.message}`);
      events.push(...decision.events);
      const written = decision.events.map((e, i): Envelope => ({
        id: `e${log.length + i + 1}`,
        type: e.type,
        source: 'orders',
        subject,
        time: now.toISOString(),
        schemaVersion: 1,
        correlationId: 'c',
        causationId: 'c',
        data: e.data,
      }));
      log.push(...written);
      return written;
    },
  };
}

describe('orders projection', () => {
  const projection = ordersProjection('orders.events');

  /** Projects envelopes into the model, returning every op written and every message published. */
  const project = (model: Model, envelopes: Envelope[]) => {
    const published: Published[] = [];
    const ops: RedisOp[] = [];
    for (const e of envelopes) {
      const some = projection.apply(e);
      ops.push(...some);
      applyOps(model, some, published);
    }
    return { published, ops };
  };
  const hash = (model: Model, key: string): Record<string, string> =>
    Object.fromEntries((model.get(key) as Map<string, string> | undefined)?.entries() ?? []);
  // The status as the gateway reads it (libs/read-models' orderView) off the reference model.
  const statusOf = (model: Model, orderId: string) =>
    orderView(orderId, hash(model, rm.order(orderId)))?.status;
  const message = (orderId: string, type: string) => JSON.stringify({ orderId, type });

  it("keeps each account's buying power in the market as the market's own state has it", () => {
    const market = marketLog();
    const model: Model = new Map();
    const power = () => Number(hash(model, rm.buyingPower('H100'))['buyer-1'] ?? 0);
    const run = (command: MarketCommand, s: number) => {
      project(model, market.run(command, at(s)));
      // The market's own figure, folded from the same log (rules/buying-power.ts).
      const state = market.events().reduce(marketDecider.evolve, marketDecider.initialState());
      expect(power()).toBe(state.power?.['buyer-1'] ?? 0);
    };
    const onPower = (order: Order): MarketCommand => ({
      type: 'orders.PlaceOrder',
      data: { ...order, fromPower: true },
    });
    run({ type: 'orders.OpenMarket', data: spec }, 0);
    run({ type: 'orders.RecordNode', data: node }, 0);
    run(
      {
        type: 'orders.GrantBuyingPower',
        data: { marketId: 'H100', accountId: 'buyer-1', amount: 500_000_000 },
      },
      1,
    );
    expect(power()).toBe(500_000_000);
    run(place(ask('a1', { price: 1_900_000 })), 2);
    // Trades 1 GPU below its limit (the rest is given back to the buying power), rests 3.
    run(onPower(bid('b1')), 3);
    expect(statusOf(model, 'b1')).toBe('PARTIALLY_FILLED');
    expect(orderView('b1', hash(model, rm.order('b1')))).toMatchObject({ funding: 'BUYING_POWER' });
    run(cancel('b1', 'buyer-1'), 4);
    run(
      {
        type: 'orders.ReleaseBuyingPower',
        data: { marketId: 'H100', accountId: 'buyer-1', amount: 1_000_000 },
      },
      5,
    );
    // What is left: the grant, less the trade's cost and the release.
    expect(power()).toBe(500_000_000 - 1 * 10 * (1_900_000 + 47_500) - 1_000_000);
    expect(orderView('a1', hash(model, rm.order('a1')))).not.toHaveProperty('funding');
  });

  it('follows a bid from awaiting funds through a partial fill to its cancel, and fills the resting ask', () => {
    const market = marketLog();
    const model: Model = new Map();
    project(model, [
      ...market.run({ type: 'orders.OpenMarket', data: spec }, at(0)),
      ...market.run({ type: 'orders.RecordNode', data: node }, at(0)),
    ]);
    project(model, market.run(place(ask('a1')), at(1)));
    expect(statusOf(model, 'a1')).toBe('OPEN');

    const awaiting = project(model, market.run(place(bid('b1')), at(2)));
    expect(statusOf(model, 'b1')).toBe('PENDING_FUNDS');
    expect(awaiting.published).toEqual([
      { channel: rm.accountOrdersChannel('buyer-1'), message: message('b1', 'orders.BidAwaitingFunds') },
    ]);

    const funded = market.run(confirm('b1'), at(3));
    expect(funded.map((e) => e.type)).toEqual(['orders.OrderAccepted', 'orders.TradeExecuted']);
    const trade = project(model, funded);
    expect(statusOf(model, 'b1')).toBe('PARTIALLY_FILLED');
    expect(statusOf(model, 'a1')).toBe('FILLED');
    // One message per order an event touched: the accepted bid, then both sides of the trade.
    expect(trade.published).toEqual([
      { channel: rm.accountOrdersChannel('buyer-1'), message: message('b1', 'orders.OrderAccepted') },
      { channel: rm.accountOrdersChannel('buyer-1'), message: message('b1', 'orders.TradeExecuted') },
      { channel: rm.accountOrdersChannel('prov-1'), message: message('a1', 'orders.TradeExecuted') },
    ]);

    const cancelled = project(model, market.run(cancel('b1', 'buyer-1'), at(4)));
    expect(cancelled.published).toEqual([
      { channel: rm.accountOrdersChannel('buyer-1'), message: message('b1', 'orders.OrderCancelled') },
    ]);
    expect(statusOf(model, 'b1')).toBe('CANCELLED');

    expect(hash(model, rm.order('b1'))).toEqual({
      marketId: 'H100',
      side: 'bid',
      accountId: 'buyer-1',
      price: '2100000',
      gpus: '4',
      hours: '10',
      timeInForce: 'GTC',
      // Created when it awaited funds; not moved by its acceptance.
      createdAt: at(2).toISOString(),
      updatedAt: at(4).toISOString(),
      accepted: '1',
      filled: '1',
      cancelled: '3',
      cancelReason: 'CANCELLED',
      // Its one trade: 1 GPU × 10 hours at the resting ask's 2.00.
      filledValue: '20000000',
      filledGpuHours: '10',
      // Awaiting funds, accepted, filled once, cancelled: four changes.
      version: '4',
    });
    expect(hash(model, rm.order('a1'))).toMatchObject({
      nodeId: 'n1',
      createdAt: at(1).toISOString(),
      updatedAt: at(3).toISOString(),
      accepted: '1',
      filled: '1',
      cancelled: '0',
      filledValue: '20000000',
      filledGpuHours: '10',
      version: '2',
    });

    // Each order is listed once for its account, at its creation time.
    expect(hash(model, rm.accountOrders('buyer-1'))).toEqual({ b1: String(at(2).getTime()) });
    expect(hash(model, rm.accountOrders('prov-1'))).toEqual({ a1: String(at(1).getTime()) });
    // The trade, indexed as a fill of both the buyer and the provider.
    expect(hash(model, rm.accountFills('buyer-1'))).toEqual({ 'H100-t1': String(at(3).getTime()) });
    expect(hash(model, rm.accountFills('prov-1'))).toEqual({ 'H100-t1': String(at(3).getTime()) });
    expect(hash(model, rm.trade('H100-t1'))).toMatchObject({
      bidId: 'b1',
      askId: 'a1',
      buyerId: 'buyer-1',
      providerId: 'prov-1',
      gpus: '1',
      price: '2000000',
      time: at(3).toISOString(),
    });

    // What OrdersQueries (libs/read-models) reads of the same hashes: the gateway's orders and fills.
    expect(orderView('b1', hash(model, rm.order('b1')))).toEqual({
      orderId: 'b1',
      marketId: 'H100',
      accountId: 'buyer-1',
      side: 'bid',
      price: 2_100_000,
      gpus: 4,
      hours: 10,
      timeInForce: 'GTC',
      funding: 'BALANCE',
      status: 'CANCELLED',
      filled: 1,
      cancelled: 3,
      remaining: 0,
      filledValue: 20_000_000,
      filledGpuHours: 10,
      cancelReason: 'CANCELLED',
      createdAt: at(2).toISOString(),
      updatedAt: at(4).toISOString(),
      version: 4,
    });
    expect(orderView('a1', hash(model, rm.order('a1')))).toMatchObject({ nodeId: 'n1', status: 'FILLED' });
    expect(tradeView('H100-t1', hash(model, rm.trade('H100-t1')))).toMatchObject({
      tradeId: 'H100-t1',
      marketId: 'H100',
      bidId: 'b1',
      askId: 'a1',
      buyerId: 'buyer-1',
      providerId: 'prov-1',
      gpus: 1,
      price: 2_000_000,
      time: at(3).toISOString(),
    });
    expect(orderView('nope', hash(model, rm.order('nope')))).toBeNull();
  });

  it("sums each order's trades (value and GPU-hours) and lists them under the order, on both sides", () => {
    const market = marketLog();
    const model: Model = new Map();
    project(model, [
      ...market.run({ type: 'orders.OpenMarket', data: spec }, at(0)),
      ...market.run({ type: 'orders.RecordNode', data: node }, at(0)),
      ...market.run(place(ask('a1', { price: 1_000_000 })), at(1)),
    ]);
    const b1 = bid('b1', { price: 1_200_000, hours: 10 });
    project(model, [...market.run(place(b1), at(2)), ...market.run(confirm('b1'), at(3))]);
    const before = orderView('b1', hash(model, rm.order('b1')));
    // A GTC bid at 1.20 partly filled by the resting ask at 1.00: what it paid is the ask's price.
    expect(before).toMatchObject({ status: 'PARTIALLY_FILLED', filledValue: 10_000_000, filledGpuHours: 10 });
    // An ask crossing the resting bid trades at the bid's 1.20.
    project(model, market.run(place(ask('a2', { price: 1_100_000, gpus: 2 })), at(4)));
    expect(orderView('b1', hash(model, rm.order('b1')))).toMatchObject({
      filled: 3,
      filledValue: 10_000_000 + 2 * 10 * 1_200_000,
      filledGpuHours: 30,
    });
    expect(orderView('a2', hash(model, rm.order('a2')))).toMatchObject({
      filledValue: 24_000_000,
      filledGpuHours: 20,
    });
    expect(hash(model, rm.orderFills('b1'))).toEqual({
      'H100-t1': String(at(3).getTime()),
      'H100-t2': String(at(4).getTime()),
    });
    expect(hash(model, rm.orderFills('a1'))).toEqual({ 'H100-t1': String(at(3).getTime()) });
    expect(hash(model, rm.orderFills('a2'))).toEqual({ 'H100-t2': String(at(4).getTime()) });
    // An order not traded has summed nothing.
    project(model, market.run(place(ask('a3', { price: 1_500_000 })), at(5)));
    expect(orderView('a3', hash(model, rm.order('a3')))).toMatchObject({ filledValue: 0, filledGpuHours: 0 });
  });

  it('keeps the side that took each trade, and none for a trade recorded before TradeExecuted carried it', () => {
    const market = marketLog();
    const model: Model = new Map();
    project(model, [
      ...market.run({ type: 'orders.OpenMarket', data: spec }, at(0)),
      ...market.run({ type: 'orders.RecordNode', data: node }, at(0)),
      // Every limit is the trade's price: only the trade's takerSide tells which order rested.
      ...market.run(place(ask('a1', { price: 1_200_000 })), at(1)),
      ...market.run(place(bid('b1', { price: 1_200_000, gpus: 1 })), at(2)),
      ...market.run(confirm('b1'), at(3)),
      ...market.run(place(bid('b2', { price: 1_200_000, gpus: 1 })), at(4)),
      ...market.run(confirm('b2'), at(5)),
      ...market.run(place(ask('a2', { price: 1_200_000 })), at(6)),
    ]);
    const trade = (tradeId: string) => tradeView(tradeId, hash(model, rm.trade(tradeId)));
    expect(trade('H100-t1')).toMatchObject({ bidId: 'b1', askId: 'a1', takerSide: 'bid' });
    expect(trade('H100-t2')).toMatchObject({ bidId: 'b2', askId: 'a2', takerSide: 'ask' });
    expect(hash(model, rm.trade('H100-t1'))['takerSide']).toBe('bid');

    // A v1 trade of the log, read as a v2 without the field (the registry's upcast): kept as before.
    const written = market.log.find((e) => e.type === 'orders.TradeExecuted')!;
    const { takerSide, ...v1Data } = written.data as { takerSide?: string };
    expect(takerSide).toBe('bid');
    const old = new Map() as Model;
    project(old, [{ ...written, data: { ...v1Data, tradeId: 'H100-t9' } }]);
    expect(hash(old, rm.trade('H100-t9'))).not.toHaveProperty('takerSide');
    expect(tradeView('H100-t9', hash(old, rm.trade('H100-t9')))).toMatchObject({
      tradeId: 'H100-t9',
      takerSide: null,
    });
  });

  it('cancels a bid whose funds were refused', () => {
    const market = marketLog();
    const model: Model = new Map();
    project(model, market.run({ type: 'orders.OpenMarket', data: spec }, at(0)));
    project(model, market.run(place(bid('b2', { accountId: 'buyer-2' })), at(1)));
    const refused = project(model, market.run(rejectFunds('b2'), at(2)));
    expect(statusOf(model, 'b2')).toBe('CANCELLED');
    expect(hash(model, rm.order('b2'))).toMatchObject({
      filled: '0',
      cancelled: '4',
      cancelReason: 'FUNDS_REJECTED',
      createdAt: at(1).toISOString(),
    });
    expect(hash(model, rm.order('b2'))['accepted']).toBeUndefined();
    expect(refused.published).toEqual([
      { channel: rm.accountOrdersChannel('buyer-2'), message: message('b2', 'orders.OrderCancelled') },
    ]);
  });

  it('lists a funded bid from its acceptance, at that time, and announces it', () => {
    const market = marketLog();
    const model: Model = new Map();
    project(model, market.run({ type: 'orders.OpenMarket', data: spec }, at(0)));
    const order = bid('b4', { price: 1_000_000 });
    const written = project(
      model,
      market.run({ type: 'orders.PlaceOrder', data: { ...order, heldAmount: 41_000_000 } }, at(1)),
    );
    expect(statusOf(model, 'b4')).toBe('OPEN');
    expect(hash(model, rm.accountOrders('buyer-1'))).toEqual({ b4: String(at(1).getTime()) });
    expect(hash(model, rm.order('b4'))).toMatchObject({ accepted: '1', createdAt: at(1).toISOString() });
    expect(written.published).toEqual([
      { channel: rm.accountOrdersChannel('buyer-1'), message: message('b4', 'orders.OrderAccepted') },
    ]);
  });

  it('keeps the key the client placed an order with, and none where the gateway made it', () => {
    const market = marketLog();
    const model: Model = new Map();
    project(model, [
      ...market.run({ type: 'orders.OpenMarket', data: spec }, at(0)),
      ...market.run({ type: 'orders.RecordNode', data: node }, at(0)),
    ]);
    project(model, market.run(place(ask('a1', { clientOrderId: 'my-ask-7' })), at(1)));
    project(
      model,
      market.run(
        {
          type: 'orders.PlaceOrder',
          data: {
            ...bid('b1', { price: 1_000_000, clientOrderId: 'bot 42 / bid ✓' }),
            heldAmount: 41_000_000,
          },
        },
        at(2),
      ),
    );
    project(model, market.run(place(ask('a2')), at(3)));
    expect(orderView('a1', hash(model, rm.order('a1')))?.clientOrderId).toBe('my-ask-7');
    expect(orderView('b1', hash(model, rm.order('b1')))?.clientOrderId).toBe('bot 42 / bid ✓');
    expect(hash(model, rm.order('a2'))).not.toHaveProperty('clientOrderId');
    expect(orderView('a2', hash(model, rm.order('a2')))).not.toHaveProperty('clientOrderId');
  });

  it("keeps each account's live, filled and cancelled orders and its orders per market and side as their statuses say, after every event", () => {
    const h100Log = marketLog();
    const a100Log = marketLog('A100');
    const model: Model = new Map();
    const listed = (key: string) => Object.keys(hash(model, key)).sort();
    const LIVE = ['PENDING_FUNDS', 'OPEN', 'PARTIALLY_FILLED'];
    let checks = 0;
    const step = (log: ReturnType<typeof marketLog>, command: MarketCommand, s: number) => {
      for (const event of log.run(command, at(s))) {
        project(model, [event]);
        for (const account of ['buyer-1', 'prov-1']) {
          const all = listed(rm.accountOrders(account));
          expect(listed(rm.accountLiveOrders(account))).toEqual(
            all.filter((id) => LIVE.includes(statusOf(model, id)!)),
          );
          expect(listed(rm.accountFilledOrders(account))).toEqual(
            all.filter((id) => statusOf(model, id) === 'FILLED'),
          );
          expect(listed(rm.accountCancelledOrders(account))).toEqual(
            all.filter((id) => statusOf(model, id) === 'CANCELLED'),
          );
          const where = (id: string) => hash(model, rm.order(id));
          for (const marketId of ['H100', 'A100']) {
            expect(listed(rm.accountMarketOrders(account, marketId))).toEqual(
              all.filter((id) => where(id)['marketId'] === marketId),
            );
            for (const side of ['bid', 'ask'])
              expect(listed(rm.accountMarketSideOrders(account, marketId, side))).toEqual(
                all.filter((id) => where(id)['marketId'] === marketId && where(id)['side'] === side),
              );
          }
          for (const side of ['bid', 'ask'])
            expect(listed(rm.accountSideOrders(account, side))).toEqual(
              all.filter((id) => where(id)['side'] === side),
            );
          checks++;
        }
      }
    };
    step(h100Log, { type: 'orders.OpenMarket', data: spec }, 0);
    step(h100Log, { type: 'orders.RecordNode', data: node }, 0);
    step(a100Log, { type: 'orders.OpenMarket', data: { ...spec, marketId: 'A100' } }, 0);
    step(a100Log, { type: 'orders.RecordNode', data: nodeRecord({ marketId: 'A100' }) }, 0);
    step(h100Log, place(ask('a1', { gpus: 4 })), 1);
    // Funded, filled at once: listed and gone from the live orders in one event's writes.
    step(
      h100Log,
      { type: 'orders.PlaceOrder', data: { ...bid('b1', { gpus: 1 }), heldAmount: 41_000_000 } },
      2,
    );
    step(h100Log, place(bid('b2', { gpus: 2 })), 3);
    step(h100Log, confirm('b2'), 4);
    step(h100Log, place(bid('b3', { gpus: 5, timeInForce: 'IOC' })), 5);
    step(h100Log, confirm('b3'), 6);
    step(h100Log, place(bid('b4', { gpus: 2 })), 7);
    step(h100Log, confirm('b4'), 8);
    step(h100Log, place(bid('b5', { gpus: 2 })), 9);
    step(h100Log, rejectFunds('b5'), 10);
    step(a100Log, place(ask('a2', { marketId: 'A100', gpus: 3 })), 11);
    step(a100Log, place(bid('b6', { marketId: 'A100', gpus: 2 })), 12);
    step(a100Log, confirm('b6'), 13);
    step(h100Log, cancel('b4', 'buyer-1'), 14);

    expect(['a1', 'b1', 'b2', 'b3', 'b4', 'b5', 'a2', 'b6'].map((id) => statusOf(model, id))).toEqual([
      'FILLED',
      'FILLED',
      'FILLED',
      'CANCELLED',
      'CANCELLED',
      'CANCELLED',
      'PARTIALLY_FILLED',
      'FILLED',
    ]);
    expect(listed(rm.accountLiveOrders('prov-1'))).toEqual(['a2']);
    expect(listed(rm.accountLiveOrders('buyer-1'))).toEqual([]);
    expect(listed(rm.accountMarketOrders('buyer-1', 'A100'))).toEqual(['b6']);
    expect(listed(rm.accountSideOrders('prov-1', 'ask'))).toEqual(['a1', 'a2']);
    expect(listed(rm.accountMarketSideOrders('prov-1', 'A100', 'ask'))).toEqual(['a2']);
    expect(checks).toBeGreaterThan(40);
  });

  it("keeps a refused funded bid's rejection under its PlaceOrder's id, and makes no order of it", () => {
    const model: Model = new Map();
    const refused: Envelope = {
      id: 'e9',
      type: 'orders.FundedBidRefused',
      source: 'orders',
      subject: 'H100',
      time: at(5).toISOString(),
      schemaVersion: 1,
      correlationId: 'c',
      causationId: 'place-1',
      data: {
        order: bid('b5', { price: 2_000_001 }),
        heldAmount: 41_000_000,
        code: 'BAD_USER_INPUT',
        message: "price 2.000001 is not a multiple of the market's tick size, 0.01: use 2.00 or 2.01",
        field: 'price',
      },
    };
    const written = project(model, [refused]);
    expect(hash(model, rm.fundedBidRefusal('place-1'))).toEqual({
      orderId: 'b5',
      accountId: 'buyer-1',
      code: 'BAD_USER_INPUT',
      message: "price 2.000001 is not a multiple of the market's tick size, 0.01: use 2.00 or 2.01",
      field: 'price',
      heldAmount: '41000000',
      time: at(5).toISOString(),
    });
    expect(orderView('b5', hash(model, rm.order('b5')))).toBeNull();
    expect(hash(model, rm.accountOrders('buyer-1'))).toEqual({});
    expect(written.published).toEqual([]);
  });

  it('counts the GPUs of a bid cancelled while awaiting funds once, when its late hold is released', () => {
    const market = marketLog();
    const model: Model = new Map();
    project(model, market.run({ type: 'orders.OpenMarket', data: spec }, at(0)));
    project(model, market.run(place(bid('b3')), at(1)));
    project(model, market.run(cancel('b3', 'buyer-1'), at(2)));
    // The hold arrives after the cancel: the decider cancels again to release it.
    const late = market.run(confirm('b3'), at(3));
    expect(late).toEqual([
      expect.objectContaining({
        type: 'orders.OrderCancelled',
        data: expect.objectContaining({ gpus: 4, holdReleased: expect.any(Number) }),
      }),
    ]);
    project(model, late);
    expect(hash(model, rm.order('b3'))).toMatchObject({ gpus: '4', filled: '0', cancelled: '4' });
    expect(statusOf(model, 'b3')).toBe('CANCELLED');
  });

  it('keeps markets and the nodes they know', () => {
    const market = marketLog();
    const model: Model = new Map();
    project(model, market.run({ type: 'orders.OpenMarket', data: spec }, at(0)));
    project(model, market.run({ type: 'orders.RecordNode', data: node }, at(1)));
    project(model, market.run({ type: 'orders.CloseMarket', data: { marketId: 'H100' } }, at(2)));
    expect(hash(model, rm.market('H100'))).toEqual({
      gpuClass: 'H100-80GB',
      minTflopsPerGpu: '300',
      tickSize: '10000',
      feeRateBps: '250',
      status: 'CLOSED',
      openedAt: at(0).toISOString(),
      closedAt: at(2).toISOString(),
    });
    expect(hash(model, rm.markets)).toEqual({ H100: String(at(0).getTime()) });
    expect(JSON.parse(hash(model, rm.marketNodes('H100'))['n1']!)).toEqual(node);
  });

  it('leaves a suspended node out of its market until capacity records it again', () => {
    const market = marketLog();
    const model: Model = new Map();
    const other = nodeRecord({ nodeId: 'n2' });
    project(model, [
      ...market.run({ type: 'orders.OpenMarket', data: spec }, at(0)),
      ...market.run({ type: 'orders.RecordNode', data: node }, at(0)),
      ...market.run({ type: 'orders.RecordNode', data: other }, at(0)),
    ]);
    const suspend: MarketCommand = {
      type: 'orders.SuspendNode',
      data: { marketId: 'H100', nodeId: 'n1', reason: 'CREDENTIAL_REVOKED', at: at(1).toISOString() },
    };
    const suspended = market.run(suspend, at(1));
    expect(suspended.map((e) => e.type)).toEqual(['orders.NodeSuspended']);
    project(model, suspended);
    // No certificate of n1 is left for a reader (the market refuses asks on it); n2 is untouched.
    expect(hash(model, rm.marketNodes('H100'))['n1']).toBeUndefined();
    expect(JSON.parse(hash(model, rm.marketNodes('H100'))['n2']!)).toEqual(other);
    // Recertified: capacity records it again, and the market knows it as recorded.
    const again = nodeRecord({ certifiedTflopsPerGpu: 360, certifiedUntil: at(3_600).toISOString() });
    project(model, market.run({ type: 'orders.RecordNode', data: again }, at(2)));
    expect(JSON.parse(hash(model, rm.marketNodes('H100'))['n1']!)).toEqual(again);
  });

  it('writes and publishes only under its key prefix, and ignores events it does not fold', () => {
    const market = marketLog();
    const { ops } = project(new Map(), [
      ...market.run({ type: 'orders.OpenMarket', data: spec }, at(0)),
      ...market.run({ type: 'orders.RecordNode', data: node }, at(0)),
      ...market.run(place(ask('a1', { gpus: 2 })), at(1)),
      ...market.run(place(bid('b1')), at(2)),
      ...market.run(confirm('b1'), at(3)),
      ...market.run(cancel('b1', 'buyer-1'), at(4)),
      ...market.run({ type: 'orders.CloseMarket', data: { marketId: 'H100' } }, at(5)),
    ]);
    expect(new Set(ops.map((o) => o.op))).toEqual(
      new Set(['hset', 'hsetnx', 'hincrby', 'hmax', 'zadd', 'zremWhenReached', 'zaddWhenReached', 'publish']),
    );
    expect(ops.filter((o) => !o.key.startsWith(projection.keyPrefix))).toEqual([]);
    // The ops that read a key read under the prefix too.
    expect(
      ops.filter(
        (o) =>
          (o.op === 'zremWhenReached' || o.op === 'zaddWhenReached') &&
          !o.hash.startsWith(projection.keyPrefix),
      ),
    ).toEqual([]);
    expect(projection.keyPrefix).toBe('orders:');
    const other: Envelope = {
      id: 'x',
      type: 'orders.PartitionClaimed',
      source: 'orders',
      subject: 'H100',
      time: at(0).toISOString(),
      schemaVersion: 1,
      correlationId: 'c',
      causationId: null,
      data: {},
    };
    expect(projection.apply(other)).toEqual([]);
  });
});

describe('orderStatus', () => {
  const o = (
    gpus: number,
    filled: number,
    cancelled: number,
    accepted: boolean,
    cancelReason: string | null = null,
  ) => ({ gpus, filled, cancelled, accepted, cancelReason });

  it.each([
    ['a bid awaiting its funds', 'PENDING_FUNDS', o(4, 0, 0, false)],
    ['an order in the book', 'OPEN', o(4, 0, 0, true)],
    ['an order partly filled', 'PARTIALLY_FILLED', o(4, 1, 0, true)],
    ['an order fully filled', 'FILLED', o(4, 4, 0, true)],
    ['an order cancelled before any fill', 'CANCELLED', o(4, 0, 4, true, 'CANCELLED')],
    ['an order partly filled, then cancelled', 'CANCELLED', o(4, 1, 3, true, 'CANCELLED')],
    ['an IOC order whose remainder was cancelled', 'CANCELLED', o(4, 3, 1, true, 'IOC_REMAINDER')],
    ['a bid whose funds were refused', 'CANCELLED', o(4, 0, 4, false, 'FUNDS_REJECTED')],
    ['a bid cancelled while awaiting funds', 'CANCELLED', o(4, 0, 4, false, 'CANCELLED')],
  ])('%s is %s', (_what, status, order) => {
    expect(orderStatus(order)).toBe(status);
  });
});
