// The hostile values of each input type (issue 11), for the schema-driven cases (cases.ts): strings
// with ':' '*' and unicode, 10 kB strings, numbers at and past every bound, values of the wrong
// type, unknown enum values, lists too long or holding null. Pure data.
import {
  GraphQLInputType,
  GraphQLNamedType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
} from 'graphql';

const LONG = 'x'.repeat(10_000);

/** Strings a caller can choose: key separators, glob characters, unicode, control characters, 10 kB. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  'p:events',
  'a:b:c',
  '*',
  '?[]\\',
  'proj:x:epoch',
  '{}',
  '%s%n%x',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  "'; DROP TABLE x; --",
  '<script>alert(1)</script>',
  'line\nbreak',
  '\u0000nul',
  '\u202eright-to-left',
  '你好 💥 ü',
  '\ud800',
  LONG,
  // Money-shaped strings, for amount, price, tickSize.
  '0',
  '-1.00',
  '0.0000001',
  '1e3',
  '999999999999999999999999.99',
  ' 1.00',
  '1,00',
  'Infinity',
  'NaN',
  '0x10',
];

const INT_VALUES: readonly unknown[] = [
  0,
  -1,
  1,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31,
  2 ** 53,
  1.5,
  '1',
  true,
  null,
  {},
];
/** A whole number up to 2^53 (graphql-scalars' SafeInt): the Int values and the edges of exactness. */
const SAFE_INT_VALUES: readonly unknown[] = [
  ...INT_VALUES,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  2 ** 53,
  1e21,
  '9007199254740993',
];
const FLOAT_VALUES: readonly unknown[] = [
  0,
  -0,
  -1,
  1e-300,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  '1',
  true,
  null,
  [],
];
const BOOLEAN_VALUES: readonly unknown[] = ['true', 1, null, {}];
/** Usd: the money-shaped strings of HOSTILE_STRINGS (and the rest of them), and values of other types. */
const USD_VALUES: readonly unknown[] = [...HOSTILE_STRINGS, 1, 1.5, -1, 1e21, true, null, {}, ['1.00']];
/** DateTime: almost-times, dates without a time, numbers (epoch ms is not RFC 3339), 10 kB. */
const DATE_TIME_VALUES: readonly unknown[] = [
  '',
  'yesterday',
  'now',
  '2026-13-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-11-30',
  '2026-11-30T25:00:00Z',
  '2026-11-30 12:00:00',
  '2026-11-30T12:00:00',
  '1e20',
  LONG,
  0,
  1764460800000,
  -1,
  1e20,
  true,
  null,
  {},
  ['2026-11-30T12:00:00Z'],
];
const STRING_WRONG_TYPES: readonly unknown[] = [1, true, null, {}, ['a']];
const JSON_VALUES: readonly unknown[] = [
  null,
  'x',
  1,
  [],
  {},
  { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } },
  nested(200),
  Array.from({ length: 5_000 }, (_, i) => i),
  { [LONG]: LONG },
];

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** The hostile values of a type, each with a label. */
export function hostileValues(type: GraphQLInputType): { what: string; value: unknown }[] {
  const required = isNonNullType(type);
  const inner = isNonNullType(type) ? type.ofType : type;
  const out: { what: string; value: unknown }[] = [];
  if (!required) out.push({ what: 'null', value: null });
  if (isListType(inner)) {
    const item = getNamedType(inner);
    const sample = isEnumType(item) ? item.getValues()[0]!.name : 'fuzz';
    out.push(
      { what: 'empty list', value: [] },
      { what: 'list of 1000', value: Array.from({ length: 1_000 }, () => sample) },
      { what: 'list with null', value: [null] },
      { what: 'not a list', value: { a: 1 } },
    );
    return out;
  }
  if (isEnumType(inner)) {
    out.push(
      ...['NOT_A_VALUE', '', 'buyer', 1, null].map((v) => ({ what: `enum ${JSON.stringify(v)}`, value: v })),
    );
    return out;
  }
  if (isInputObjectType(inner)) {
    out.push({ what: 'not an object', value: 'x' }, { what: 'empty object', value: {} });
    return out;
  }
  const named = inner as GraphQLNamedType;
  const label = (v: unknown) =>
    typeof v === 'string' && v.length > 40 ? `string of ${v.length}` : (JSON.stringify(v) ?? String(v));
  const values: readonly unknown[] =
    named.name === 'Int'
      ? INT_VALUES
      : named.name === 'SafeInt'
        ? SAFE_INT_VALUES
        : named.name === 'Float'
          ? FLOAT_VALUES
          : named.name === 'Boolean'
            ? BOOLEAN_VALUES
            : named.name === 'JSON'
              ? JSON_VALUES
              : named.name === 'Usd'
                ? USD_VALUES
                : named.name === 'DateTime'
                  ? DATE_TIME_VALUES
                  : [...HOSTILE_STRINGS, ...STRING_WRONG_TYPES];
  for (const value of values) out.push({ what: label(value), value });
  return out;
}

/** True when a scalar type is one the generator knows (a new scalar needs its own hostile values). */
export function knownScalar(name: string): boolean {
  return ['ID', 'String', 'Int', 'SafeInt', 'Float', 'Boolean', 'JSON', 'Usd', 'DateTime'].includes(name);
}
