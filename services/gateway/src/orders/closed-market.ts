import { closedMarketMessage } from '@gpux/contracts';
import { GraphQLError } from 'graphql';
import { keepReplayed } from '../api/replayed';

/** Whether `error` is a refusal because the market is closed. */
export const isClosedMarketRefusal = (error: unknown): error is GraphQLError =>
  error instanceof GraphQLError && error.extensions['code'] === 'MARKET_CLOSED';

/**
 * A MARKET_CLOSED refusal of an order, told with when the market closed (`closedAt`, as the orders
 * read model keeps it): orders decides on a market state that does not keep the time, so its
 * refusal (an ask's, or a bid's it refused after settlement held) says only that it is closed. Its
 * code, field and replay are kept (a replay's note ends the new message). Anything else, or a
 * closing time not known, as it is.
 */
export function toldWithClosingTime(
  error: unknown,
  marketId: string,
  closedAt: string | undefined,
  keyField: string,
): unknown {
  if (!isClosedMarketRefusal(error) || !closedAt) return error;
  const { replayed: _replayed, firstAnsweredAt: _at, ...extensions } = error.extensions;
  return keepReplayed(
    error,
    new GraphQLError(closedMarketMessage(marketId, closedAt), { extensions }),
    keyField,
  );
}
