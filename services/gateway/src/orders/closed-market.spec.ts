import { GraphQLError } from 'graphql';
import { apiError } from '../api/errors';
import { asReplayed } from '../api/replayed';
import { toldWithClosingTime } from './closed-market';

const CLOSED_AT = '2026-06-01T12:00:00.000Z';
const told = `market H100 closed at ${CLOSED_AT} and never reopens, so it takes no orders: list the markets with the markets query (each says its status) and pick an OPEN one`;
// As orders says it: its market state does not keep when the market closed.
const fromOrders = () =>
  apiError(
    'MARKET_CLOSED',
    'market H100 is closed and never reopens, so it takes no orders: list the markets with the markets query (each says its status) and pick an OPEN one',
    'input.marketId',
  );

describe("an order's refusal by a closed market, told with when it closed", () => {
  it('says when the market closed, on the same code and field', () => {
    const error = toldWithClosingTime(fromOrders(), 'H100', CLOSED_AT, 'input.clientOrderId') as GraphQLError;
    expect(error.message).toBe(told);
    expect(error.extensions).toEqual({ code: 'MARKET_CLOSED', field: 'input.marketId' });
  });

  it('keeps a replay a replay, its note last', () => {
    const replayed = asReplayed(fromOrders(), 'input.clientOrderId', '2026-06-01T12:00:05.000Z');
    const error = toldWithClosingTime(replayed, 'H100', CLOSED_AT, 'input.clientOrderId') as GraphQLError;
    expect(error.message).toBe(
      `${told} (the first answer to this clientOrderId, at 2026-06-01T12:00:05.000Z: send a new clientOrderId to try again)`,
    );
    expect(error.extensions).toEqual({
      code: 'MARKET_CLOSED',
      field: 'input.marketId',
      replayed: true,
      firstAnsweredAt: '2026-06-01T12:00:05.000Z',
    });
  });

  it('leaves any other error, or a closing time not known, as it is', () => {
    const other = apiError('NOT_FOUND', 'market H100 does not exist', 'input.marketId');
    expect(toldWithClosingTime(other, 'H100', CLOSED_AT, 'input.clientOrderId')).toBe(other);
    const closed = fromOrders();
    expect(toldWithClosingTime(closed, 'H100', undefined, 'input.clientOrderId')).toBe(closed);
  });
});
