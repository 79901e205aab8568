import { GraphQLError } from 'graphql';
import { apiError } from '../api/errors';
import { BidData, holdRefusal } from './funded-bid';

const bid: BidData = {
  marketId: 'H100',
  orderId: 'ord-1',
  side: 'bid',
  accountId: 'buyer-1',
  price: 2_100_000,
  gpus: 2,
  hours: 10,
  timeInForce: 'GTC',
};
const answer = (error: unknown) => {
  const e = error as GraphQLError;
  return { message: e.message, extensions: e.extensions };
};

describe("a funded bid's refused hold, as the bidder is told it", () => {
  it('is INSUFFICIENT_FUNDS on the price, saying what is available and what the bid needs, as withdraw does', () => {
    expect(
      answer(
        holdRefusal(
          apiError('INSUFFICIENT_FUNDS', 'account buyer-1 has 5.00 available, cannot hold 43.05', 'amount'),
          bid,
          43_050_000,
          true,
        ),
      ),
    ).toEqual({
      message:
        'the bid needs 43.050000 held for its worst case, 2 GPUs × 10 hours × 2.100000 = 42.000000, plus a fee of 1.050000; account buyer-1 has 5.000000 available: bid for less, cancel a resting bid to free what it holds, or ask the operator for a deposit (an account key cannot deposit)',
      extensions: {
        code: 'INSUFFICIENT_FUNDS',
        field: 'price',
        orderId: 'ord-1',
        required: '43.050000',
        available: '5.000000',
      },
    });
  });

  it("takes what is available from the figure settlement's rejection carries, whatever its message's words", () => {
    const refused = apiError('INSUFFICIENT_FUNDS', 'insufficient funds for hold ord-1', 'amount', {
      available: '5.250000',
    });
    expect(answer(holdRefusal(refused, bid, 43_050_000, true))).toEqual({
      message:
        'the bid needs 43.050000 held for its worst case, 2 GPUs × 10 hours × 2.100000 = 42.000000, plus a fee of 1.050000; account buyer-1 has 5.250000 available: bid for less, cancel a resting bid to free what it holds, or ask the operator for a deposit (an account key cannot deposit)',
      extensions: {
        code: 'INSUFFICIENT_FUNDS',
        field: 'price',
        orderId: 'ord-1',
        required: '43.050000',
        available: '5.250000',
      },
    });
  });

  it('counts one GPU and one hour in the singular', () => {
    const small = { ...bid, gpus: 1, hours: 1 };
    const refused = apiError('INSUFFICIENT_FUNDS', 'account buyer-1 has 1.00 available', 'amount', {
      available: '1.000000',
    });
    expect(answer(holdRefusal(refused, small, 2_152_500, true)).message).toBe(
      'the bid needs 2.152500 held for its worst case, 1 GPU × 1 hour × 2.100000 = 2.100000, plus a fee of 0.052500; account buyer-1 has 1.000000 available: bid for less, cancel a resting bid to free what it holds, or ask the operator for a deposit (an account key cannot deposit)',
    );
  });

  it('names no order id for a bid sent without a clientOrderId: its random id is no order, now or later', () => {
    const refused = answer(
      holdRefusal(
        apiError('INSUFFICIENT_FUNDS', 'account buyer-1 has 5.00 available, cannot hold 43.05', 'amount'),
        bid,
        43_050_000,
        false,
      ),
    );
    expect(refused.extensions).toEqual({
      code: 'INSUFFICIENT_FUNDS',
      field: 'price',
      required: '43.050000',
      available: '5.000000',
    });
  });

  it('is INSUFFICIENT_FUNDS with nothing available when the account does not exist', () => {
    expect(
      answer(
        holdRefusal(
          apiError('NOT_FOUND', 'account buyer-1 does not exist', 'accountId'),
          bid,
          43_050_000,
          true,
        ),
      ),
    ).toEqual({
      message:
        'the bid needs 43.050000 held for its worst case, 2 GPUs × 10 hours × 2.100000 = 42.000000, plus a fee of 1.050000; account buyer-1 does not exist, so nothing is available to it: bid for less, cancel a resting bid to free what it holds, or ask the operator for a deposit (an account key cannot deposit)',
      extensions: {
        code: 'INSUFFICIENT_FUNDS',
        field: 'price',
        orderId: 'ord-1',
        required: '43.050000',
        available: '0.000000',
      },
    });
  });

  it('is ALREADY_EXISTS on orderId when a live hold has its id, as orders answers a second order', () => {
    expect(
      answer(
        holdRefusal(apiError('ALREADY_EXISTS', 'hold ord-1 already exists', 'holdId'), bid, 43_050_000, true),
      ),
    ).toEqual({
      message: 'order ord-1 already exists',
      extensions: { code: 'ALREADY_EXISTS', field: 'orderId' },
    });
  });

  it('passes anything else through as it is (a reused key, a timeout, an unexpected error)', () => {
    const reused = apiError('IDEMPOTENCY_KEY_REUSED', 'used', 'clientOrderId');
    const timeout = apiError('TIMEOUT', 'no outcome', undefined, { idempotencyKey: 'k' });
    const broken = new Error('boom');
    for (const error of [reused, timeout, broken])
      expect(holdRefusal(error, bid, 43_050_000, true)).toBe(error);
  });
});
