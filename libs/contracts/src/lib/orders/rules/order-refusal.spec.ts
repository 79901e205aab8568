import type { Order } from '../market';
import { askRefusal, bidRefusal, marketRefusal } from './order-refusal';

const bid = (extra: Partial<Order> = {}): Order => ({
  marketId: 'H100',
  orderId: 'b1',
  side: 'bid',
  accountId: 'buyer-1',
  price: 2_100_000,
  gpus: 2,
  hours: 10,
  timeInForce: 'GTC',
  ...extra,
});
const market = { tickSize: 10_000, open: true };

describe('the market rules of an order', () => {
  it('passes an order on the tick of an open market', () => {
    expect(marketRefusal(bid(), market)).toBeUndefined();
  });

  it('refuses an unknown market, a closed one, and a price off the tick, in that order', () => {
    expect(marketRefusal(bid({ price: 1 }), undefined)).toEqual({
      code: 'NOT_FOUND',
      message: 'market H100 does not exist',
      field: 'marketId',
    });
    expect(marketRefusal(bid({ price: 1 }), { ...market, open: false })).toEqual({
      code: 'MARKET_CLOSED',
      message:
        'market H100 is closed and never reopens, so it takes no orders: list the markets with the markets query (each says its status) and pick an OPEN one',
      field: 'marketId',
    });
    // Where the refuser knows when it closed (the read model does), the refusal says it.
    const closedAt = '2026-06-01T12:00:00.000Z';
    expect(marketRefusal(bid(), { ...market, open: false, closedAt })?.message).toBe(
      `market H100 closed at ${closedAt} and never reopens, so it takes no orders: list the markets with the markets query (each says its status) and pick an OPEN one`,
    );
    expect(marketRefusal(bid({ price: 2_000_001 }), market)).toEqual({
      code: 'BAD_USER_INPUT',
      message:
        "price 2.000001 is not a multiple of the market's tick size, 0.010000: use 2.000000 or 2.010000",
      field: 'price',
    });
  });
});

describe('the shape rules of a bid', () => {
  it('passes a bid without a node, its minimum within its GPUs', () => {
    expect(bidRefusal(bid({ minGpusPerNode: 2 }), 250)).toBeUndefined();
  });

  it('refuses a node, a minimum above its GPUs, and a hold beyond exact integers', () => {
    expect(bidRefusal(bid({ nodeId: 'n1' }), 250)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'nodeId' });
    expect(bidRefusal(bid({ minGpusPerNode: 3 }), 250)).toMatchObject({ field: 'minGpusPerNode' });
    expect(bidRefusal(bid({ gpus: 100_000, hours: 8_784, price: 20_000_000 }), 250)).toEqual({
      code: 'BAD_USER_INPUT',
      message:
        'the order is too large to hold funds for (gpus × hours × price, with the fee): bid for fewer GPUs or hours, or a lower price',
      field: 'gpus',
    });
  });

  it('names the price when even 1 GPU for 1 hour at it cannot be held', () => {
    // 9,007,199,254.740991 with a 2.5 % fee is past the largest exact amount; with no fee it is not.
    const price = Number.MAX_SAFE_INTEGER;
    expect(bidRefusal(bid({ gpus: 1, hours: 1, price }), 250)).toEqual({
      code: 'BAD_USER_INPUT',
      message:
        'the price with its fee is too large to hold funds for, even for 1 GPU for 1 hour: bid a lower price',
      field: 'price',
    });
    expect(
      bidRefusal(bid({ gpus: 100_000, hours: 8_784, price: Number.MAX_SAFE_INTEGER - 1 }), 250),
    ).toMatchObject({
      field: 'price',
    });
    expect(bidRefusal(bid({ gpus: 1, hours: 1, price }), 0)).toBeUndefined();
  });
});

describe('the shape rule of an ask', () => {
  const ask = (extra: Partial<Order> = {}) => bid({ side: 'ask', nodeId: 'n1', ...extra });

  it('passes an ask that names its node and no minimum per node', () => {
    expect(askRefusal(ask())).toBeUndefined();
  });

  it('refuses a minimum per node, which only a bid can use, whatever its value', () => {
    for (const minGpusPerNode of [1, 2, 50])
      expect(askRefusal(ask({ minGpusPerNode }))).toEqual({
        code: 'BAD_USER_INPUT',
        message: 'minGpusPerNode is for bids: an ask sells the GPUs of the one node it names',
        field: 'minGpusPerNode',
      });
  });
});
