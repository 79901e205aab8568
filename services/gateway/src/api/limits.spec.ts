import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, getIntrospectionQuery, getOperationAST, parse } from 'graphql';
import {
  costOfFullIntrospection,
  introspectionSizes,
  MAX_ALIAS_LENGTH,
  MAX_COST,
  MAX_INTROSPECTION_DEPTH,
  measureOperation,
  operationLimitErrors,
  UNSIZED_LIST,
} from './limits';
import { WHOLE_SCAN_COST } from './whole-scans';

// The checked-in schema (schema.spec.ts keeps it equal to the resolvers'), with its defaults.
const schema = buildSchema(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8'));
const CANDLE = 'start open high low close volume value trades';

const size = (query: string, variables?: Record<string, unknown>) => {
  const document = parse(query);
  return measureOperation(schema, document, getOperationAST(document)!, variables);
};
const codes = (query: string, variables?: Record<string, unknown>) =>
  operationLimitErrors(schema, parse(query), undefined, variables).map((e) => e.extensions['code']);

describe('the operation limits', () => {
  it('count list sizes: first, limit and depth multiply what is under them, given or by default', () => {
    expect(size(`{ market(id: "m") { candles(limit: 500) { ${CANDLE} } } }`).cost).toBe(1 + 1 + 500 * 8);
    expect(size(`{ market(id: "m") { candles { close } } }`).cost).toBe(1 + 1 + 60 * 1);
    expect(size(`{ myOrders(first: 100) { totalCount edges { node { id } } } }`).cost).toBe(
      1 + 100 * (1 + 1 + 1 * (1 + 1)),
    );
    expect(size(`{ market(id: "m") { book(depth: 50) { bids { price gpus } asks { price } } } }`).cost).toBe(
      1 + 1 + 50 * (1 + 2 + 1 + 1),
    );
  });

  it('read list sizes from variables, and from the variable default', () => {
    const q = `query($n: Int! = 7) { market(id: "m") { candles(limit: $n) { close } } }`;
    expect(size(q).cost).toBe(2 + 7);
    expect(size(q, { n: 300 }).cost).toBe(2 + 300);
  });

  it('count a list without a size argument as UNSIZED_LIST, and nested sizes multiply', () => {
    expect(size(`{ me { apiKeys { keyId revoked } } }`).cost).toBe(1 + 1 + UNSIZED_LIST * 2);
    const MARKETS = `{ markets(first: 10) { edges { node { candles(limit: 500) { ${CANDLE} } } } } }`;
    expect(size(MARKETS).cost).toBe(1 + 10 * (1 + 1 * (1 + (1 + 500 * 8))));
    expect(codes(MARKETS)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(
      codes(
        `{ markets(first: 20) { edges { node { id candles(limit: 60) { close } book { bids { price } } } } } }`,
      ),
    ).toEqual([]);
  });

  it('count fragments where they are spread', () => {
    const q = `{ market(id: "m") { ...M } } fragment M on Market { candles(limit: 100) { ...C } } fragment C on Candle { open close }`;
    expect(size(q).cost).toBe(1 + 1 + 100 * 2);
  });

  it('measure a fragment spread many times over once: fragments that each spread the next twice, 40 deep, are 2^40 fields', () => {
    const levels = 40;
    const chain = (leaf: string) =>
      `{ ...F0 } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F${levels} on Query { ${leaf} }`;
    const wide = size(chain('__typename'));
    expect(wide).toMatchObject({ fields: 2 ** levels, cost: 2 ** levels, depth: 1 });
    expect(codes(chain('__typename'))).toEqual(['QUERY_TOO_COMPLEX']);
    const deep = size(chain('__type(name: "Query") { name }'));
    expect(deep).toMatchObject({ fields: 0, introspection: { depth: 1, cost: 2 ** levels * 2 } });
    expect(codes(chain('__type(name: "Query") { name }'))).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('count a fragment measured once wherever it is spread again, and stop at a cycle', () => {
    const q = `{ me { ...A } account(id: "a") { id ...A } } fragment A on Account { apiKeys { keyId } }`;
    expect(size(q)).toMatchObject({ fields: 7, cost: 2 * (1 + 1 + UNSIZED_LIST * 1) + 1, depth: 3 });
    // A cycle is invalid (validation refuses it before the limits run), but measuring one ends.
    expect(size(`{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }`).fields).toBe(
      1,
    );
  });

  it('refuse over-budget, too-deep and too-wide operations as QUERY_TOO_COMPLEX, and let the largest legitimate reads through', () => {
    const aliases = Array.from({ length: 3 }, (_, i) => `c${i}: candles(limit: 500) { ${CANDLE} }`).join(' ');
    expect(codes(`{ market(id: "m") { ${aliases} } }`)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(
      operationLimitErrors(schema, parse(`{ market(id: "m") { ${aliases} } }`), undefined)[0]!.message,
    ).toMatch(new RegExp(`at most ${MAX_COST}`));
    expect(codes(`{ ${Array.from({ length: 400 }, (_, i) => `a${i}: __typename`).join(' ')} }`)).toEqual([
      'QUERY_TOO_COMPLEX',
    ]);
    // Nine levels (measured before fields are resolved: this schema's own types nest 7 at most).
    expect(codes(`{ a { b { c { d { e { f { g { h { i } } } } } } } } }`)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(
      operationLimitErrors(
        schema,
        parse(`{ a { b { c { d { e { f { g { h { i } } } } } } } } }`),
        undefined,
      )[0]!.message,
    ).toBe('the query is nested 9 levels deep; at most 8 are allowed');
    expect(codes(`{ market(id: "m") { candles(limit: 500) { ${CANDLE} } } }`)).toEqual([]);
    expect(
      codes(
        `{ myOrders(first: 100) { totalCount edges { cursor node { id status side price gpus hours } } } }`,
      ),
    ).toEqual([]);
  });
});

describe('aliases', () => {
  const errors = (query: string) => operationLimitErrors(schema, parse(query), undefined);

  it('refuse an alias longer than MAX_ALIAS_LENGTH, which the answer repeats for each item of the lists above it, naming it', () => {
    const long = 'a'.repeat(MAX_ALIAS_LENGTH + 1);
    const spread = `{ e1: errorCodes { ...F } e2: errorCodes { ...F } } fragment F on ErrorCodeInfo { ${long}: code }`;
    for (const query of [
      `{ ${long}: __typename }`,
      `{ errorCodes { ${long}: code } }`,
      spread,
      `{ __schema { types { ${long}: name } } }`,
      `subscription { tickerUpdated(marketId: "m") { ${long}: last } }`,
    ]) {
      const [error, ...more] = errors(query);
      expect(more).toEqual([]);
      expect(error?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', field: long, http: { status: 400 } });
      expect(error?.message).toBe(
        `the alias "${long}" is over 128 characters, the most allowed: the answer repeats an alias once for each item of the lists above it, so give a shorter one`,
      );
    }
  });

  it('name the first long alias in the text: under inline fragments, and in operations and fragments the run does not reach', () => {
    const long = (c: string) => c.repeat(MAX_ALIAS_LENGTH + 1);
    const field = (query: string, name?: string) =>
      operationLimitErrors(schema, parse(query), name, undefined)[0]?.extensions['field'];
    expect(field(`{ errorCodes { ... on ErrorCodeInfo { ${long('a')}: code } ${long('b')}: code } }`)).toBe(
      long('a'),
    );
    expect(field(`query A { __typename } query B { ${long('c')}: __typename }`, 'A')).toBe(long('c'));
    expect(field(`{ __typename } fragment F on Query { x { ${long('d')}: code } }`)).toBe(long('d'));
    expect(field(`fragment F on Query { ${long('e')}: __typename } { ...F ${long('f')}: __typename }`)).toBe(
      long('e'),
    );
  });

  it('let an alias of MAX_ALIAS_LENGTH characters through', () => {
    expect(errors(`{ ${'a'.repeat(MAX_ALIAS_LENGTH)}: errorCodes { c: code } }`)).toEqual([]);
  });
});

describe('a size out of its range', () => {
  const errors = (query: string, variables?: Record<string, unknown>) =>
    operationLimitErrors(schema, parse(query), undefined, variables);
  const PAGE = 'totalCount edges { cursor node { __typename } } pageInfo { endCursor }';
  // Every connection of the schema, as a root field or under one.
  const CONNECTIONS = (first: number) => [
    `{ markets(first: ${first}) { ${PAGE} } }`,
    `{ nodes(first: ${first}) { ${PAGE} } }`,
    `{ nodes(first: ${first}, filter: { status: CERTIFIED }) { ${PAGE} } }`,
    `{ myNodes(first: ${first}) { ${PAGE} } }`,
    `{ myOrders(first: ${first}) { ${PAGE} } }`,
    `{ myOrders(first: ${first}, filter: { status: OPEN }) { ${PAGE} } }`,
    `{ myFills(first: ${first}) { ${PAGE} } }`,
    `{ myLeases(first: ${first}) { ${PAGE} } }`,
    `{ me { ledger(first: ${first}) { ${PAGE} } } }`,
    `{ market(id: "m") { trades(first: ${first}) { ${PAGE} } } }`,
    `{ gpuNode(id: "n") { certifications(first: ${first}) { ${PAGE} } } }`,
  ];

  it('is left to the resolver, which refuses it naming the argument: what the field selects is never read', () => {
    for (const first of [2_147_483_647, 101, 0, -5])
      for (const query of CONNECTIONS(first))
        expect({ query, codes: codes(query) }).toEqual({ query, codes: [] });
    expect(size(`{ myOrders(first: 2147483647) { totalCount edges { node { id } } } }`).cost).toBe(1);
    expect(codes(`{ market(id: "m") { book(depth: 2147483647) { bids { price } } } }`)).toEqual([]);
    expect(codes(`{ market(id: "m") { candles(limit: 2147483647) { ${CANDLE} } } }`)).toEqual([]);
    // Given by a variable.
    const q = `query($n: Int!) { myFills(first: $n) { ${PAGE} } }`;
    expect(codes(q, { n: 2_147_483_647 })).toEqual([]);
  });

  it('reads no whole index: its resolver refuses it before the scan', () => {
    const call = (first: number) => `nodes(filter: { status: CERTIFIED }, first: ${first}) { totalCount }`;
    const many = (first: number) =>
      `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: ${call(first)}`).join(' ')} }`;
    expect(size(many(1_000)).scans).toEqual([]);
    expect(errors(many(1_000))).toEqual([]);
    expect(errors(many(100)).map((e) => e.extensions['field'])).toEqual(['nodes']);
  });

  it('leaves costly queries within their ranges refused, nested connections among them', () => {
    const MARKET_TRADES = `{ markets(first: 100) { edges { node { trades(first: 100) { edges { node { id price gpus hours time } } } } } } }`;
    expect(codes(MARKET_TRADES)).toEqual(['QUERY_TOO_COMPLEX']);
    // A sibling out of range does not make the rest cheaper.
    expect(
      codes(
        `{ markets(first: 10) { edges { node { candles(limit: 500) { ${CANDLE} } trades(first: 2147483647) { totalCount } } } } }`,
      ),
    ).toEqual(['QUERY_TOO_COMPLEX']);
    expect(
      codes(
        `{ markets(first: 100) { edges { node { trades(first: 100) { edges { node { id price gpus hours time } } } } } } me { ledger(first: 1000) { totalCount } } }`,
      ),
    ).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

describe('the calls that read a whole index', () => {
  const errors = (query: string, variables?: Record<string, unknown>) =>
    operationLimitErrors(schema, parse(query), undefined, variables);
  const aliases = (n: number, call: string) =>
    `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${call}`).join(' ')} }`;
  const NODES = 'nodes(filter: { status: CERTIFIED }, first: 1) { totalCount }';

  it('refuse 150 aliases of a filtered nodes, naming the field, where they once cost 300', () => {
    const query = aliases(150, NODES);
    expect(size(query)).toMatchObject({
      fields: 300,
      cost: 150 * (WHOLE_SCAN_COST + 1),
      scans: ['Query.nodes'],
    });
    const [error, ...more] = errors(query);
    expect(more).toEqual([]);
    expect(error!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', field: 'nodes' });
    expect(error!.message).toMatch(
      /^the query costs 375150; at most 10000 is allowed, and each call that reads a whole list costs 2500 \(nodes with a filter reads every node\): call nodes that way fewer times/,
    );
  });

  it('admit one filtered query with a full page, and as many as three scans in a request', () => {
    const FULL = `nodes(filter: { marketId: "h100", minTflops: 40 }, first: 100) { totalCount edges { cursor node { id providerId gpuModel gpus region marketId status tflopsPerGpu certifiedUntil } } pageInfo { hasNextPage endCursor } }`;
    expect(errors(`{ ${FULL} }`)).toEqual([]);
    expect(
      errors(
        `{ myOrders(first: 100, filter: { status: OPEN }) { totalCount edges { node { id status side price gpus hours } } } }`,
      ),
    ).toEqual([]);
    expect(errors(aliases(3, NODES))).toEqual([]);
    expect(errors(aliases(4, NODES)).map((e) => e.extensions['field'])).toEqual(['nodes']);
  });

  it('count a call as a scan by its arguments: literal, from variables or their defaults', () => {
    expect(size(aliases(2, 'nodes(first: 1) { totalCount }'))).toMatchObject({ cost: 4, scans: [] });
    expect(size(aliases(2, 'nodes(filter: {}, first: 1) { totalCount }')).scans).toEqual([]);
    const byVariable = `query($f: OrdersFilter) { ${Array.from({ length: 4 }, (_, i) => `a${i}: myOrders(first: 1, filter: $f) { totalCount }`).join(' ')} }`;
    expect(errors(byVariable, { f: { marketId: 'h100' } })).toEqual([]);
    expect(errors(byVariable, { f: { status: 'FILLED' } }).map((e) => e.extensions['field'])).toEqual([
      'myOrders',
    ]);
    const byDefault = `query($s: OrderStatus = CANCELLED) { ${Array.from({ length: 4 }, (_, i) => `a${i}: myOrders(first: 1, filter: { status: $s }) { totalCount }`).join(' ')} }`;
    expect(errors(byDefault).map((e) => e.extensions['field'])).toEqual(['myOrders']);
    expect(errors(byDefault, { s: null })).toEqual([]);
  });

  it('count scans spread from fragments, named once however often', () => {
    const q = `{ ...F a: myOrders(filter: { status: OPEN }) { totalCount } } fragment F on Query { ${aliases(3, NODES).slice(1, -1)} }`;
    expect(size(q).scans).toEqual(['Query.nodes', 'Query.myOrders']);
    expect(errors(q)[0]!.message).toContain(
      '(nodes with a filter reads every node; myOrders with a status or live reads every order of yours of that status): call nodes and myOrders',
    );
  });
});

describe('introspection, measured apart', () => {
  const FULLEST = getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
  });

  it('lets through the introspection queries GraphQL tools send, however deep their type references go', () => {
    for (const query of [getIntrospectionQuery(), getIntrospectionQuery({ descriptions: false }), FULLEST])
      expect(codes(query)).toEqual([]);
    // 15 levels deep in all, 14 below __schema: far past MAX_DEPTH, which counts the rest alone.
    expect(size(FULLEST)).toMatchObject({ depth: 0, fields: 0, cost: 0 });
    expect(size(FULLEST).introspection.depth).toBe(14);
    expect(
      codes(`{ __type(name: "Order") { name fields { name type { kind name ofType { kind name } } } } }`),
    ).toEqual([]);
  });

  it('counts each introspection list at the most it holds in this schema', () => {
    const sizes = introspectionSizes(schema);
    expect(sizes.get('types')).toBe(Object.keys(schema.getTypeMap()).length);
    expect(size(`{ __schema { types { name } } }`).introspection.cost).toBe(1 + 1 + sizes.get('types')! * 1);
    expect(size(`{ __schema { types { fields { name } } } }`).introspection.cost).toBe(
      1 + 1 + sizes.get('types')! * (1 + sizes.get('fields')! * 1),
    );
    // The rest of an operation is measured as before.
    expect(size(`{ __typename me { balance } __schema { queryType { name } } }`)).toMatchObject({
      depth: 2,
      fields: 3,
      cost: 3,
    });
  });

  it('refuses an introspection that asks for the schema many times over, or nests without end', () => {
    const full = costOfFullIntrospection(schema);
    const copies = Array.from({ length: 3 }, (_, i) => `s${i}: __schema { types { ...FullType } }`).join(' ');
    const fragments = FULLEST.slice(FULLEST.indexOf('fragment'));
    expect(codes(`query { ${copies} } ${fragments}`)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(
      operationLimitErrors(schema, parse(`query { ${copies} } ${fragments}`), undefined)[0]!.message,
    ).toMatch(new RegExp(`^the introspection costs \\d+; at most ${2 * full} is allowed`));
    // types → fields → type → fields → type → fields: each level multiplies.
    const nested = `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`;
    expect(codes(nested)).toEqual(['QUERY_TOO_COMPLEX']);
    const deep = `{ __type(name: "Order") { ${'ofType { '.repeat(MAX_INTROSPECTION_DEPTH)}name${' }'.repeat(MAX_INTROSPECTION_DEPTH)} } }`;
    expect(codes(deep)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
