import { GraphQLError } from 'graphql';
import { apiError } from '../api/errors';
import { availableOf } from '../domain/available';
import { formatMoney } from '../domain/money';

/**
 * A withdrawal refused INSUFFICIENT_FUNDS, with what it asked for and what was available in
 * `extensions` (`required`, `available`), as a bid's refusal for want of funds carries them, so a
 * client reads the figures rather than the message (what was available is the rejection's own
 * figure: availableOf). Any other error as it is.
 */
export function shortOfFunds(error: unknown, amount: number): unknown {
  if (!(error instanceof GraphQLError) || error.extensions['code'] !== 'INSUFFICIENT_FUNDS') return error;
  const available = availableOf(error);
  // The rest as it was: a refusal answered again to its key says so already (replayed, firstAnsweredAt).
  const { code: _code, field, ...extensions } = error.extensions;
  return apiError('INSUFFICIENT_FUNDS', error.message, typeof field === 'string' ? field : 'amount', {
    ...extensions,
    required: formatMoney(amount),
    ...(available === undefined ? {} : { available: formatMoney(available) }),
  });
}
