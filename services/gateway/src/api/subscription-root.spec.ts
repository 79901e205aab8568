import { buildSchema, parse, validate } from 'graphql';
import { subscriptionRootErrors, subscriptionRootTextError } from './subscription-root';

const schema = buildSchema(`
  type Query { a: Int }
  type Ticker { last: String }
  type Subscription { tickerUpdated(marketId: ID!): Ticker }
`);
const T = 'tickerUpdated(marketId: "m") { last }';
const errorsOf = (query: string) => subscriptionRootErrors(parse(query));

describe('subscriptionRootErrors', () => {
  it.each([
    ['@skip on the root field', `subscription { tickerUpdated(marketId: "m") @skip(if: true) { last } }`],
    [
      '@include on the root field',
      `subscription { tickerUpdated(marketId: "m") @include(if: false) { last } }`,
    ],
    [
      'a variable condition',
      `subscription($s: Boolean!) { tickerUpdated(marketId: "m") @skip(if: $s) { last } }`,
    ],
    ['an inline fragment with it', `subscription { ... @include(if: true) { ${T} } }`],
    ['a spread with it', `subscription S { ...F @skip(if: false) } fragment F on Subscription { ${T} }`],
    [
      'the root field inside a fragment',
      `subscription { ...F } fragment F on Subscription { tickerUpdated(marketId: "m") @skip(if: true) { last } }`,
    ],
  ])('refuses %s, naming the root field', (_, query) => {
    const errors = errorsOf(query);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      field: 'tickerUpdated',
    });
    expect(errors[0]!.message).toMatch(/must not use @(skip|include) on its root field/);
  });

  it('lets the directives be used below the root field, and in queries and mutations', () => {
    expect(errorsOf(`subscription { tickerUpdated(marketId: "m") { last @skip(if: true) } }`)).toEqual([]);
    expect(errorsOf(`query { a @skip(if: true) }`)).toEqual([]);
    expect(errorsOf(`subscription { ...F } fragment F on Subscription { ${T} }`)).toEqual([]);
  });

  it('follows a fragment once, however it is spread (cycles included), so graphql-js reports the cycle', () => {
    const cyclic = `subscription { ...F } fragment F on Subscription { ...G ${T} } fragment G on Subscription { ...F }`;
    expect(errorsOf(cyclic)).toEqual([]);
    expect(validate(schema, parse(cyclic)).length).toBeGreaterThan(0);
  });

  it('is the check graphql-js 16 leaves out: it throws validating a variable condition', () => {
    const query = parse(`subscription($s: Boolean!) { tickerUpdated(marketId: "m") @skip(if: $s) { last } }`);
    expect(() => validate(schema, query)).toThrow();
    expect(subscriptionRootErrors(query)).toHaveLength(1);
  });

  it('checks a text as HTTP sends it, parsing only one that may hold both a subscription and a condition', () => {
    expect(
      subscriptionRootTextError(`subscription { ${T.replace('{', '@skip(if: true) {')} }`)?.extensions,
    ).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      field: 'tickerUpdated',
    });
    expect(subscriptionRootTextError(`query { a @skip(if: true) }`)).toBeUndefined();
    // Ignored tokens may stand between `@` and the directive's name.
    expect(
      subscriptionRootTextError(
        `subscription { tickerUpdated(marketId: "m") @ ,# c\n skip(if: true) { last } }`,
      ),
    ).toBeDefined();
    expect(subscriptionRootTextError(`subscription { ${T} }`)).toBeUndefined();
    // Apollo says why a text does not parse.
    expect(subscriptionRootTextError(`subscription { @skip(`)).toBeUndefined();
  });
});
