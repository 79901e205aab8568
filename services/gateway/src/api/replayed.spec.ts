import { GraphQLError } from 'graphql';
import { apiError } from './errors';
import { asReplayed, keepReplayed, replayNote } from './replayed';

const AT = '2026-12-04T03:50:00.000Z';

describe('a refusal answered again from its recorded outcome', () => {
  it('says so: replayed, when it was first answered, and a last sentence naming the key to change', () => {
    const first = apiError('INSUFFICIENT_FUNDS', 'account ann has 498.384 available', 'price', {
      required: '500.000000',
    });
    const again = asReplayed(first, 'clientOrderId', AT);
    expect(again.message).toBe(
      `account ann has 498.384 available (the first answer to this clientOrderId, at ${AT}: send a new clientOrderId to try again)`,
    );
    expect(again.extensions).toEqual({
      code: 'INSUFFICIENT_FUNDS',
      field: 'price',
      required: '500.000000',
      replayed: true,
      firstAnsweredAt: AT,
    });
    // The first answer is left as it was.
    expect(first.extensions).not.toHaveProperty('replayed');
  });

  it('names the key by the argument that carried it, and leaves the time out where it is not known', () => {
    expect(replayNote('input.clientOrderId', AT)).toBe(
      ` (the first answer to this clientOrderId, at ${AT}: send a new clientOrderId to try again)`,
    );
    const again = asReplayed(apiError('NOT_FOUND', 'no such account', 'accountId'), 'idempotencyKey');
    expect(again.message).toBe(
      'no such account (the first answer to this idempotencyKey: send a new idempotencyKey to try again)',
    );
    expect(again.extensions).toEqual({ code: 'NOT_FOUND', field: 'accountId', replayed: true });
  });

  it('is said once, however often it is marked', () => {
    const again = asReplayed(apiError('MARKET_CLOSED', 'market m1 is closed'), 'clientOrderId', AT);
    expect(asReplayed(again, 'clientOrderId', AT)).toBe(again);
  });

  it('stays a replay when a resolver tells it in other words; a first answer rewritten stays a first answer', () => {
    const replayed = asReplayed(apiError('INSUFFICIENT_FUNDS', 'short', 'price'), 'clientOrderId', AT);
    const rewritten = keepReplayed(
      replayed,
      apiError('INSUFFICIENT_FUNDS', 'the bid needs 3.00', 'price'),
      'clientOrderId',
    );
    expect(rewritten).toBeInstanceOf(GraphQLError);
    expect((rewritten as GraphQLError).message).toBe(`the bid needs 3.00${replayNote('clientOrderId', AT)}`);
    expect((rewritten as GraphQLError).extensions).toMatchObject({ replayed: true, firstAnsweredAt: AT });
    // Not rewritten: the replay as it is.
    expect(keepReplayed(replayed, replayed, 'clientOrderId')).toBe(replayed);
    const fresh = apiError('INSUFFICIENT_FUNDS', 'short', 'price');
    const told = apiError('INSUFFICIENT_FUNDS', 'the bid needs 3.00', 'price');
    expect(keepReplayed(fresh, told, 'clientOrderId')).toBe(told);
    const other = new Error('boom');
    expect(keepReplayed(replayed, other, 'clientOrderId')).toBe(other);
  });
});
