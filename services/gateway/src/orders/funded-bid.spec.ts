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
  it('is INSUFFICIENT_FUNDS, as a bid settlement could not fund always was, naming the order', () => {
    for (const code of ['INSUFFICIENT_FUNDS', 'NOT_FOUND'] as const)
      expect(
        answer(
          holdRefusal(
            apiError(code, 'account buyer-1 has 5.00 available, cannot hold 43.05', 'amount'),
            bid,
            43_050_000,
          ),
        ),
      ).toEqual({
        message:
          "account buyer-1's available balance does not cover the bid's worst case, 43.05: 2 GPUs × 10 hours × 2.10 = 42.00, plus a fee of 1.05",
        extensions: { code: 'INSUFFICIENT_FUNDS', orderId: 'ord-1' },
      });
  });

  it('is ALREADY_EXISTS on orderId when a live hold has its id, as orders answers a second order', () => {
    expect(
      answer(holdRefusal(apiError('ALREADY_EXISTS', 'hold ord-1 already exists', 'holdId'), bid, 43_050_000)),
    ).toEqual({
      message: 'order ord-1 already exists',
      extensions: { code: 'ALREADY_EXISTS', field: 'orderId' },
    });
  });

  it('passes anything else through as it is (a reused key, a timeout, an unexpected error)', () => {
    const reused = apiError('IDEMPOTENCY_KEY_REUSED', 'used', 'clientOrderId');
    const timeout = apiError('TIMEOUT', 'no outcome', undefined, { idempotencyKey: 'k' });
    const broken = new Error('boom');
    for (const error of [reused, timeout, broken]) expect(holdRefusal(error, bid, 43_050_000)).toBe(error);
  });
});
