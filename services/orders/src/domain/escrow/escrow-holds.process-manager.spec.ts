import type { Envelope } from '@gpux/contracts';
import { escrowHolds } from './escrow-holds.process-manager';

const event = (type: string, data: unknown): Envelope => ({
  id: 'e1',
  type,
  source: 'orders',
  subject: 'H100',
  time: '2026-01-01T00:00:00.000Z',
  schemaVersion: 1,
  correlationId: 'c',
  causationId: 'c',
  data,
});
const order = {
  marketId: 'H100',
  orderId: 'b1',
  side: 'bid',
  accountId: 'buyer-1',
  price: 2_000_000,
  gpus: 2,
  hours: 10,
  timeInForce: 'GTC',
};

describe('escrow holds process manager', () => {
  it('asks settlement to hold what a waiting bid needs, keyed by the buyer', () => {
    expect(escrowHolds.react(event('orders.BidAwaitingFunds', { order, holdAmount: 41_000_000 }))).toEqual([
      {
        type: 'settlement.HoldFunds',
        subject: 'buyer-1',
        data: { accountId: 'buyer-1', holdId: 'b1', amount: 41_000_000, marketId: 'H100' },
      },
    ]);
  });

  it("gives a refused funded bid's whole hold back, to its buyer, in the same transaction", () => {
    const refused = {
      order,
      heldAmount: 41_000_000,
      code: 'BAD_USER_INPUT',
      message: "price 2.000001 is not a multiple of the market's tick size, 0.01: use 2.00 or 2.01",
      field: 'price',
    };
    expect(escrowHolds.react(event('orders.FundedBidRefused', refused))).toEqual([
      {
        type: 'settlement.ReleaseHold',
        subject: 'buyer-1',
        data: { accountId: 'buyer-1', holdId: 'b1', amount: 41_000_000 },
      },
    ]);
  });

  it('gives the whole hold back of a funded bid the market could not process (UNPROCESSABLE), and of nothing else rejected', () => {
    const rejected = (over: Record<string, unknown>) =>
      escrowHolds.react(
        event('orders.CommandRejected', {
          commandType: 'orders.PlaceOrder',
          code: 'UNPROCESSABLE',
          message: 'the command could not be processed and was dead-lettered (orders.commands:3:17): boom',
          deadLetter: 'orders.commands:3:17',
          command: { ...order, heldAmount: 41_000_000 },
          ...over,
        }),
      );
    expect(rejected({})).toEqual([
      {
        type: 'settlement.ReleaseHold',
        subject: 'buyer-1',
        data: { accountId: 'buyer-1', holdId: 'b1', amount: 41_000_000 },
      },
    ]);
    // A bid that held nothing, a refusal that is a decision (the market's own), another command,
    // or data that is not a placed order: nothing to give back here.
    expect(rejected({ command: order })).toEqual([]);
    expect(rejected({ code: 'IDEMPOTENCY_KEY_REUSED' })).toEqual([]);
    expect(rejected({ commandType: 'orders.CancelOrder' })).toEqual([]);
    expect(rejected({ command: undefined })).toEqual([]);
    expect(rejected({ command: { heldAmount: 5 } })).toEqual([]);
  });

  it('releases what a funded bid held above its worst case as it is accepted, and nothing else', () => {
    const surplus = { order, heldAmount: 41_500_000, holdReleased: 500_000 };
    expect(escrowHolds.react(event('orders.OrderAccepted', surplus))).toEqual([
      {
        type: 'settlement.ReleaseHold',
        subject: 'buyer-1',
        data: { accountId: 'buyer-1', holdId: 'b1', amount: 500_000 },
      },
    ]);
    expect(
      escrowHolds.react(event('orders.OrderAccepted', { order, heldAmount: 41_000_000, holdReleased: 0 })),
    ).toEqual([]);
    expect(escrowHolds.react(event('orders.OrderAccepted', { order }))).toEqual([]);
  });

  const trade = {
    marketId: 'H100',
    tradeId: 't1',
    bidId: 'b1',
    askId: 'a1',
    buyerId: 'buyer-1',
    providerId: 'prov-1',
    nodeId: 'n1',
    price: 1_900_000,
    gpus: 2,
    hours: 10,
    start: '2026-01-01T00:00:00.000Z',
    end: '2026-01-01T10:00:00.000Z',
    value: 38_000_000,
    fee: 950_000,
  };

  /** The trade's lease, paid from the bid's own hold. */
  const lease = {
    type: 'settlement.OpenLease',
    subject: 'buyer-1',
    data: {
      accountId: 'buyer-1',
      leaseId: 't1',
      holdId: 'b1',
      providerId: 'prov-1',
      marketId: 'H100',
      nodeId: 'n1',
      gpus: 2,
      price: 1_900_000,
      value: 38_000_000,
      fee: 950_000,
      start: trade.start,
      end: trade.end,
    },
  };

  it('moves a trade from the hold into its lease and releases the rest of the bid limit, in one command', () => {
    expect(escrowHolds.react(event('orders.TradeExecuted', { ...trade, holdReleased: 2_050_000 }))).toEqual([
      { ...lease, data: { ...lease.data, holdReleased: 2_050_000 } },
    ]);
    expect(escrowHolds.react(event('orders.TradeExecuted', { ...trade, holdReleased: 0 }))).toEqual([lease]);
  });

  it('releases what a cancelled bid no longer needs, and nothing for an ask', () => {
    expect(
      escrowHolds.react(
        event('orders.OrderCancelled', { side: 'bid', accountId: 'buyer-1', orderId: 'b1', holdReleased: 7 }),
      ),
    ).toHaveLength(1);
    expect(
      escrowHolds.react(
        event('orders.OrderCancelled', { side: 'ask', accountId: 'prov-1', orderId: 'a1', holdReleased: 0 }),
      ),
    ).toEqual([]);
  });

  describe('buying power', () => {
    it("pays a bid's trade from its account's buying-power hold, and keeps the rest there", () => {
      expect(
        escrowHolds.react(
          event('orders.TradeExecuted', { ...trade, holdReleased: 2_050_000, fromPower: true }),
        ),
      ).toEqual([{ ...lease, data: { ...lease.data, holdId: 'power:H100' } }]);
    });

    it('asks nothing of settlement for a bid on buying power cancelled: what it held stays buying power', () => {
      expect(
        escrowHolds.react(
          event('orders.OrderCancelled', {
            side: 'bid',
            accountId: 'buyer-1',
            orderId: 'b1',
            holdReleased: 41_000_000,
            fromPower: true,
          }),
        ),
      ).toEqual([]);
      expect(escrowHolds.react(event('orders.OrderAccepted', { order, powerUsed: 41_000_000 }))).toEqual([]);
    });

    const released = (amount: number) => [
      {
        type: 'settlement.ReleaseHold',
        subject: 'buyer-1',
        data: { accountId: 'buyer-1', holdId: 'power:H100', amount },
      },
    ];

    it('releases buying power given back or refused from its hold, in the same transaction', () => {
      const power = { marketId: 'H100', accountId: 'buyer-1', amount: 5_000_000 };
      expect(
        escrowHolds.react(event('orders.BuyingPowerReturned', { ...power, reason: 'RELEASED' })),
      ).toEqual(released(5_000_000));
      expect(
        escrowHolds.react(event('orders.BuyingPowerReturned', { ...power, reason: 'MARKET_CLOSED' })),
      ).toEqual(released(5_000_000));
      expect(
        escrowHolds.react(
          event('orders.BuyingPowerRefused', {
            ...power,
            code: 'MARKET_CLOSED',
            message: 'closed',
            field: 'marketId',
          }),
        ),
      ).toEqual(released(5_000_000));
    });

    it('gives a grant the market could not process (UNPROCESSABLE) back whole', () => {
      expect(
        escrowHolds.react(
          event('orders.CommandRejected', {
            commandType: 'orders.GrantBuyingPower',
            code: 'UNPROCESSABLE',
            message: 'the command could not be processed and was dead-lettered (orders.commands:3:17): boom',
            command: { marketId: 'H100', accountId: 'buyer-1', amount: 7 },
          }),
        ),
      ).toEqual(released(7));
      expect(
        escrowHolds.react(
          event('orders.CommandRejected', {
            commandType: 'orders.ReleaseBuyingPower',
            code: 'UNPROCESSABLE',
            message: 'boom',
            command: { marketId: 'H100', accountId: 'buyer-1', amount: 7 },
          }),
        ),
      ).toEqual([]);
    });
  });
});
