import type { GraphQLError } from 'graphql';
import { parseMoney } from './money';

/**
 * What a refusal for want of funds (a hold's, a withdrawal's) found available, in micro-USD: the
 * figure settlement's rejection carries (CommandRejected's `available`, which the gateway answers
 * as extensions.available, six decimals), so that settlement's message may say it in any words.
 * A rejection recorded before rejections carried the figure (an outcome folded from an event
 * already on the log, answered again to its key) has it in its message alone, in the words of
 * then, which are read instead (availableInMessage). Undefined when neither says.
 */
export function availableOf(error: GraphQLError): number | undefined {
  const stated = error.extensions['available'];
  if (typeof stated === 'string') {
    const parsed = parseMoney(stated);
    if (parsed.ok) return parsed.micros;
  }
  return availableInMessage(error.message);
}

/**
 * What settlement's refusal for want of funds said was available, in the words its rejections
 * were written with before they carried the figure (`account a has 5.00 available, cannot hold
 * 43.05`), in micro-USD; undefined when it does not say. For those rejections only: a newer
 * message's words are not read.
 */
export function availableInMessage(message: string): number | undefined {
  const m = / has (-?)(\d+)\.(\d{1,6}) available/.exec(message);
  if (!m) return undefined;
  const micros = (Number(m[2]) * 1_000_000 + Number((m[3] ?? '').padEnd(6, '0'))) * (m[1] ? -1 : 1);
  return Number.isSafeInteger(micros) ? micros : undefined;
}
