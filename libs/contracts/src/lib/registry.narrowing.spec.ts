import { Envelope } from './envelope';
import { OrdersCommands, OrdersEvents, ordersMessages, TradeExecuted } from './orders/market';
import { commandOf, DataOf, encodeRaw, isMessage, isMessageOf } from './registry';
import { SettlementEvents, settlementMessages, MICROS_PER_CENT } from './settlement/accounts';

// The typecheck target compiles this file: the `@ts-expect-error` lines are the compile-time half.

const envelope = (type: string, data: unknown, schemaVersion = 1): Envelope => ({
  id: 'evt-1',
  type,
  source: 'orders',
  subject: 'mkt-1',
  time: '2026-11-29T00:00:00.000Z',
  schemaVersion,
  correlationId: 'cmd-1',
  causationId: 'cmd-1',
  data,
});

describe('isMessage', () => {
  it('is true for the type it names, narrowing data to that type', () => {
    const event = envelope('orders.MarketClosed', { marketId: 'mkt-1' });
    expect(isMessage(event, OrdersEvents.marketClosed)).toBe(true);
    if (!isMessage(event, OrdersEvents.marketClosed)) throw new Error('unreachable');
    const marketId: string = event.data.marketId;
    const type: 'orders.MarketClosed' = event.type;
    expect([marketId, type]).toEqual(['mkt-1', 'orders.MarketClosed']);
    // @ts-expect-error: MarketClosed has no tradeId
    expect(event.data.tradeId).toBeUndefined();
  });

  it('is false for any other type, even one with the same data', () => {
    const event = envelope('orders.MarketClosed', { marketId: 'mkt-1' });
    expect(isMessage(event, OrdersEvents.marketOpened)).toBe(false);
    expect(isMessage(event, OrdersCommands.closeMarket)).toBe(false);
    expect(
      isMessage(envelope('settlement.MarketClosed', { marketId: 'mkt-1' }), OrdersEvents.marketClosed),
    ).toBe(false);
  });

  it('narrows what the registry decoded: an old version arrives upcast to the type it names', () => {
    const decoded = settlementMessages.decode(
      encodeRaw({ ...envelope('settlement.FundsDeposited', { accountId: 'acc-1', amountCents: 3 }) }),
    );
    if (!isMessage(decoded, SettlementEvents.fundsDeposited)) throw new Error('not a FundsDeposited');
    const amount: number = decoded.data.amount;
    expect(amount).toBe(3 * MICROS_PER_CENT);
    expect(decoded.data.reference).toBeNull();
  });
});

describe('isMessageOf', () => {
  const priced = [OrdersEvents.marketClosed, OrdersEvents.tradeExecuted] as const;

  it('is true for any of the types, and a switch on the type narrows data case by case', () => {
    const event = envelope('orders.MarketClosed', { marketId: 'mkt-9' });
    if (!isMessageOf(event, priced)) throw new Error('not priced');
    switch (event.type) {
      case 'orders.MarketClosed':
        expect(event.data.marketId).toBe('mkt-9');
        // @ts-expect-error: narrowed to MarketClosed, which has no gpus
        expect(event.data.gpus).toBeUndefined();
        break;
      case 'orders.TradeExecuted': {
        const gpus: number = event.data.gpus;
        throw new Error(`narrowed to the wrong case (${gpus})`);
      }
      // @ts-expect-error: not one of the types named
      case 'orders.OrderCancelled':
        break;
    }
  });

  it('is false for a type not among them', () => {
    expect(isMessageOf(envelope('orders.OrderCancelled', {}), priced)).toBe(false);
    expect(isMessageOf(envelope('orders.MarketClosed', {}), [])).toBe(false);
  });

  it('round-trips with what the registry decodes', () => {
    const t: TradeExecuted = {
      marketId: 'mkt-1',
      tradeId: 'trd-1',
      bidId: 'ord-1',
      askId: 'ord-2',
      buyerId: 'acc-1',
      providerId: 'acc-2',
      nodeId: 'node-1',
      price: 10,
      bidPrice: 11,
      askPrice: 10,
      gpus: 2,
      hours: 1,
      start: '2026-11-29T00:00:00.000Z',
      end: '2026-11-29T01:00:00.000Z',
      value: 20,
      fee: 0,
      holdReleased: 2,
      takerSide: 'bid',
    };
    const decoded = ordersMessages.decode(ordersMessages.encode(envelope('orders.TradeExecuted', t, 3)));
    expect(isMessageOf(decoded, priced) && decoded.type === 'orders.TradeExecuted' && decoded.data).toEqual(
      t,
    );
  });
});

describe('commandOf', () => {
  it('builds the command a process manager emits, typed by its contract', () => {
    const data: DataOf<typeof OrdersCommands.closeMarket> = { marketId: 'mkt-1' };
    const command = commandOf(OrdersCommands.closeMarket, 'mkt-1', data);
    const type: 'orders.CloseMarket' = command.type;
    expect(command).toEqual({ type, subject: 'mkt-1', data: { marketId: 'mkt-1' } });
  });

  it('checks the data against the command at compile time', () => {
    // @ts-expect-error: a field the command does not have
    commandOf(OrdersCommands.closeMarket, 'mkt-1', { marketId: 'mkt-1', reason: 'x' });
    // @ts-expect-error: a required field missing
    commandOf(OrdersCommands.confirmBidFunds, 'mkt-1', { marketId: 'mkt-1' });
    // @ts-expect-error: a field of the wrong type
    commandOf(OrdersCommands.closeMarket, 'mkt-1', { marketId: 7 });
  });

  it('refuses an event: process managers emit commands', () => {
    expect(() => commandOf(OrdersEvents.marketClosed, 'mkt-1', { marketId: 'mkt-1' })).toThrow(
      'orders.MarketClosed is not a command',
    );
  });
});
