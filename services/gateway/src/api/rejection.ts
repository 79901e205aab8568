import type { CommandOutcome } from '@gpux/eventsourcing';
import type { GraphQLError } from 'graphql';
import { formatMoney } from '../domain/money';
import { apiError } from './errors';

/**
 * A service's rejection of a command as the API answers it: its code, message and `field` (the
 * field at fault as the caller names it), where it was dead-lettered, and the figures it states
 * beside its message: what was available (six decimals, extensions.available), which a client
 * and the gateway's own refusals (short-of-funds.ts, funded-bid.ts) read instead of the message,
 * whose words settlement may change. A rejection written before rejections carried the figure has
 * none (domain/available.ts reads its message).
 */
export function rejection(outcome: CommandOutcome, field: string | undefined): GraphQLError {
  return apiError(outcome.code ?? 'BAD_USER_INPUT', outcome.message ?? 'rejected', field, {
    ...(outcome.deadLetter ? { deadLetter: outcome.deadLetter } : {}),
    ...(outcome.available !== undefined ? { available: formatMoney(outcome.available) } : {}),
  });
}
