import { Envelope, HEADERS } from '../envelope';
import { encodeRaw, MessageValidationError } from '../registry';
import { ordersMessages, OrdersEvents } from './market';

// TradeExecuted v2 records the side that took (takerSide). Trades the log holds from before are v1,
// and read unchanged: as a v2 without takerSide, whose taker is unknown. v3 records a bid on buying
// power (fromPower); a v2 reads as a v3 whose bid had its own hold.

const base: Omit<Envelope, 'type' | 'data' | 'schemaVersion'> = {
  id: 'evt-1',
  source: 'orders',
  subject: 'h100',
  time: '2026-11-29T00:00:00.000Z',
  correlationId: 'cmd-1',
  causationId: 'cmd-1',
};
const trade = {
  marketId: 'h100',
  tradeId: 'h100-t1',
  bidId: 'b1',
  askId: 'a1',
  buyerId: 'acc-1',
  providerId: 'acc-9',
  nodeId: 'n1',
  price: 2_000_000,
  bidPrice: 2_000_000,
  askPrice: 2_000_000,
  gpus: 2,
  hours: 1,
  start: '2026-11-29T00:00:00.000Z',
  end: '2026-11-29T01:00:00.000Z',
  value: 4_000_000,
  fee: 100_000,
  holdReleased: 0,
};

describe('orders.TradeExecuted and the side that took', () => {
  it('is written as v3, carrying takerSide and fromPower, and read back with them', () => {
    expect(OrdersEvents.tradeExecuted.currentVersion).toBe(3);
    const envelope: Envelope = {
      ...base,
      type: OrdersEvents.tradeExecuted.type,
      schemaVersion: 3,
      data: { ...trade, takerSide: 'ask', fromPower: true },
    };
    const wire = ordersMessages.encode(envelope);
    expect(wire.headers[HEADERS.schemaVersion]).toBe('3');
    expect(ordersMessages.decode(wire)).toEqual(envelope);
  });

  it('reads a v1 trade (from before takerSide) as a v3 without it: its taker is unknown', () => {
    const read = ordersMessages.decode(
      encodeRaw({ ...base, type: OrdersEvents.tradeExecuted.type, schemaVersion: 1, data: trade }),
    );
    expect(read.schemaVersion).toBe(3);
    expect(read.data).toEqual(trade);
    expect((read.data as { takerSide?: string }).takerSide).toBeUndefined();
  });

  it('reads a v2 trade as a v3 whose bid had its own hold (no fromPower)', () => {
    const v2 = { ...trade, takerSide: 'bid' };
    const read = ordersMessages.decode(
      encodeRaw({ ...base, type: OrdersEvents.tradeExecuted.type, schemaVersion: 2, data: v2 }),
    );
    expect(read.schemaVersion).toBe(3);
    expect(read.data).toEqual(v2);
  });

  it('takes fromPower only as true: a bid on buying power is marked, any other is not', () => {
    expect(() =>
      ordersMessages.encode({
        ...base,
        type: OrdersEvents.tradeExecuted.type,
        schemaVersion: 3,
        data: { ...trade, fromPower: false },
      }),
    ).toThrow(MessageValidationError);
  });

  it('refuses a side that is not a bid or an ask', () => {
    expect(() =>
      ordersMessages.encode({
        ...base,
        type: OrdersEvents.tradeExecuted.type,
        schemaVersion: 3,
        data: { ...trade, takerSide: 'BUY' },
      }),
    ).toThrow(MessageValidationError);
  });
});
