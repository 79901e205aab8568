import { ASTNode, GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { parseMoney, USD_FORMAT } from '../domain/money';

/**
 * Why a value is refused, as a client error. No `field`: graphql-js prefixes a variable's error with
 * `Variable "$x" got invalid value … at "x.y"`, from which formatError names the field
 * (variableAtFault); an inline literal's field is named by literalFieldPlugin (field-at-fault.ts).
 */
export function refused(message: string, node?: ASTNode): GraphQLError {
  return new GraphQLError(message, {
    ...(node ? { nodes: [node] } : {}),
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/** The money string if it is one, else why not. */
function usdOf(value: unknown): { ok: true; text: string } | { ok: false; reason: string } {
  if (typeof value !== 'string') return { ok: false, reason: `Usd must be a string, ${USD_FORMAT}` };
  if (value !== value.trim()) return { ok: false, reason: `Usd must not have spaces: ${USD_FORMAT}` };
  const parsed = parseMoney(value);
  return parsed.ok ? { ok: true, text: value } : { ok: false, reason: `Usd ${parsed.reason}` };
}

/**
 * Money on the API: US dollars as an exact decimal string, parsed by domain/money (integer
 * micro-USD, never a float). Outputs keep the strings the resolvers format ("2.500000"); inputs
 * arrive at the resolvers as the string the client sent, checked here, and are parsed to micros
 * there (where a positive amount or a multiple of the tick is required, the resolver says so).
 */
/**
 * An amount the gateway wrote (formatMoney: six decimals). Sent whatever its size: a read model's
 * sum (a day's traded value) can pass 2^53 micro-USD exactly, and refusing it failed the whole
 * market it belonged to. Inputs stay bounded by parseMoney.
 */
const WRITTEN = /^-?\d+\.\d{6}$/;

export const GraphQLUsd = new GraphQLScalarType<string, string>({
  name: 'Usd',
  description: `US dollars, ${USD_FORMAT}. Outputs always have six decimals ("2.500000"). Exact: amounts are integer micro-dollars inside, never floating point.`,
  serialize: (value) => {
    if (typeof value === 'string' && WRITTEN.test(value)) return value;
    const usd = usdOf(value);
    if (!usd.ok) throw new GraphQLError(`cannot send ${JSON.stringify(value)} as Usd: ${usd.reason}`);
    return usd.text;
  },
  parseValue: (value) => {
    const usd = usdOf(value);
    if (!usd.ok) throw refused(usd.reason);
    return usd.text;
  },
  parseLiteral: (node) => {
    const usd = node.kind === Kind.STRING ? usdOf(node.value) : usdOf(undefined);
    if (!usd.ok) throw refused(usd.reason, node);
    return usd.text;
  },
});

const DATE_TIME_FORMAT =
  'an RFC 3339 date-time string, e.g. "2026-11-30T14:05:00.000Z" (a date, a "T", a time, and "Z" or an offset)';

/** The RFC 3339 string if it is one, else why not (graphql-scalars' DateTime checks the format). */
function dateTimeOf(value: unknown): { ok: true; text: string } | { ok: false; reason: string } {
  if (typeof value !== 'string')
    return { ok: false, reason: `DateTime must be a string, ${DATE_TIME_FORMAT}` };
  try {
    GraphQLDateTime.parseValue(value);
    return { ok: true, text: value };
  } catch {
    return { ok: false, reason: `DateTime must be ${DATE_TIME_FORMAT}` };
  }
}

/**
 * Times on the API: RFC 3339 strings, as the events and read models hold them (sent unchanged, so
 * the wire format is what it was as String); a Date or epoch milliseconds go out as ISO strings at
 * UTC. An input is checked with graphql-scalars' DateTime and reaches the resolver as the string sent.
 */
export const GraphQLDateTimeString = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: `A point in time, ${DATE_TIME_FORMAT}. Times the API sends are at UTC with milliseconds.`,
  serialize: (value) => {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
    const time = dateTimeOf(value);
    if (!time.ok) throw new GraphQLError(`cannot send ${JSON.stringify(value)} as DateTime: ${time.reason}`);
    return time.text;
  },
  parseValue: (value) => {
    const time = dateTimeOf(value);
    if (!time.ok) throw refused(time.reason);
    return time.text;
  },
  parseLiteral: (node) => {
    const time = node.kind === Kind.STRING ? dateTimeOf(node.value) : dateTimeOf(undefined);
    if (!time.ok) throw refused(time.reason, node);
    return time.text;
  },
});
