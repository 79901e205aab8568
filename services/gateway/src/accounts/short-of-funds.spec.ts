import { GraphQLError } from 'graphql';
import { apiError } from '../api/errors';
import { shortOfFunds } from './short-of-funds';

describe('a withdrawal short of funds', () => {
  it('carries what it asked for and what was available, six decimals, beside the message', () => {
    const refused = apiError(
      'INSUFFICIENT_FUNDS',
      'account bot has 15.5925 available, cannot withdraw 1000.00',
      'amount',
    );
    const answered = shortOfFunds(refused, 1_000_000_000) as GraphQLError;
    expect(answered.message).toBe(refused.message);
    expect(answered.extensions).toEqual({
      code: 'INSUFFICIENT_FUNDS',
      field: 'amount',
      required: '1000.000000',
      available: '15.592500',
    });
  });

  it("takes what was available from the figure settlement's rejection carries, whatever its message's words", () => {
    const refused = apiError('INSUFFICIENT_FUNDS', 'not enough money to withdraw 1000.00', 'amount', {
      available: '15.592500',
    });
    const answered = shortOfFunds(refused, 1_000_000_000) as GraphQLError;
    expect(answered.message).toBe(refused.message);
    expect(answered.extensions).toEqual({
      code: 'INSUFFICIENT_FUNDS',
      field: 'amount',
      required: '1000.000000',
      available: '15.592500',
    });
  });

  it('keeps what a refusal answered again to its key says (replayed, firstAnsweredAt, its message)', () => {
    const replayed = apiError(
      'INSUFFICIENT_FUNDS',
      'account a has 0.00 available, cannot withdraw 2.00 (the first answer…)',
      'amount',
      { replayed: true, firstAnsweredAt: '2026-12-04T00:00:00.000Z' },
    );
    const answered = shortOfFunds(replayed, 2_000_000) as GraphQLError;
    expect(answered.message).toBe(replayed.message);
    expect(answered.extensions).toEqual({
      code: 'INSUFFICIENT_FUNDS',
      field: 'amount',
      replayed: true,
      firstAnsweredAt: '2026-12-04T00:00:00.000Z',
      required: '2.000000',
      available: '0.000000',
    });
  });

  it('leaves any other error as it is', () => {
    const other = apiError('NOT_FOUND', 'account bot does not exist', 'accountId');
    expect(shortOfFunds(other, 1)).toBe(other);
    const thrown = new Error('boom');
    expect(shortOfFunds(thrown, 1)).toBe(thrown);
  });
});
