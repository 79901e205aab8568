import { buildSchema, GraphQLFormattedError, parse, validate } from 'graphql';
import {
  nameArgumentPaths,
  resolverArgumentPath,
  variableArgumentPath,
  withArgumentPaths,
} from './argument-paths';

const schema = buildSchema(`
  input PlaceOrderInput { marketId: ID! gpus: Int! price: String! }
  input Range { from: Int to: Int }
  type Order { id: ID! fills(range: Range, first: Int): [Int!]! }
  type Query { order(id: ID!): Order both(a: Range, b: Range): Int }
  type Mutation {
    placeOrder(input: PlaceOrderInput!): Order
    deposit(accountId: ID!, amount: String!): Int
  }
`);

describe('argument paths: one name for the field at fault, whichever check finds it', () => {
  it("names a resolver's bare input field by the argument that holds it", () => {
    const doc = parse('mutation { a: placeOrder(input: { marketId: "m", gpus: 1, price: "1" }) { id } }');
    expect(resolverArgumentPath(schema, doc, undefined, ['a'], 'price')).toBe('input.price');
    expect(resolverArgumentPath(schema, doc, undefined, ['a'], 'gpus.x')).toBe('input.gpus.x');
    // Already an argument path, or an argument itself: as it is.
    expect(resolverArgumentPath(schema, doc, undefined, ['a'], 'input.price')).toBe('input.price');
    const deposit = parse('mutation { deposit(accountId: "a", amount: "1") }');
    expect(resolverArgumentPath(schema, deposit, undefined, ['deposit'], 'amount')).toBe('amount');
    // A field no argument holds (the key), or that two arguments hold: as it is.
    expect(resolverArgumentPath(schema, deposit, undefined, ['deposit'], 'idempotencyKey')).toBe(
      'idempotencyKey',
    );
    const both = parse('{ both(a: {}, b: {}) }');
    expect(resolverArgumentPath(schema, both, undefined, ['both'], 'from')).toBe('from');
  });

  it('follows the path below the root, through lists, aliases and fragments, to the field that failed', () => {
    const doc = parse(
      'query Q { order(id: "o") { ...F } } fragment F on Order { ... on Order { f: fills(range: { from: 1 }) } }',
    );
    expect(resolverArgumentPath(schema, doc, 'Q', ['order', 'f', 3], 'to')).toBe('range.to');
    expect(resolverArgumentPath(schema, doc, 'Q', ['nowhere'], 'to')).toBe('to');
  });

  it("names a variable's error by where the variable is used, when it is used in one place", () => {
    const doc = parse(
      'mutation($o: PlaceOrderInput!, $n: Int) { placeOrder(input: $o) { id fills(first: $n) } }',
    );
    expect(variableArgumentPath(doc, 'o.gpus')).toBe('input.gpus');
    expect(variableArgumentPath(doc, 'o')).toBe('input');
    expect(variableArgumentPath(doc, 'n')).toBe('first');
    const inner = parse(
      'mutation($g: Int!) { placeOrder(input: { marketId: "m", gpus: $g, price: "1" }) { id } }',
    );
    expect(variableArgumentPath(inner, 'g')).toBe('input.gpus');
    // A list's item: graphql-js names it `r[0]` (it was answered as the variable's name, r[0]).
    const list = parse('mutation($r: [AccountRole!]!) { createApiKey(accountId: "a", roles: $r) { keyId } }');
    expect(variableArgumentPath(list, 'r[0]')).toBe('roles[0]');
    expect(variableArgumentPath(doc, 'o.nodes[2].id')).toBe('input.nodes[2].id');
    const twice = parse('{ a: both(a: { from: $x }) b: both(b: { to: $x }) }');
    expect(variableArgumentPath(twice, 'x')).toBe('x');
  });

  it('rewrites only what names a field: variable errors by their message, resolver errors by their path', () => {
    const doc = parse('mutation($o: PlaceOrderInput!) { placeOrder(input: $o) { id } }');
    const errors: GraphQLFormattedError[] = [
      {
        message: 'Variable "$o" got invalid value 1.5 at "o.gpus"',
        extensions: { code: 'BAD_USER_INPUT', field: 'o.gpus' },
      },
      {
        message: 'off the tick',
        path: ['placeOrder'],
        extensions: { code: 'BAD_USER_INPUT', field: 'price' },
      },
      { message: 'no field', path: ['placeOrder'], extensions: { code: 'NOT_FOUND' } },
      { message: 'a literal', extensions: { code: 'BAD_USER_INPUT', field: 'o' } },
    ];
    expect(withArgumentPaths(schema, doc, undefined, errors).map((e) => e.extensions?.['field'])).toEqual([
      'input.gpus',
      'input.price',
      undefined,
      'o',
    ]);
  });

  it("names a validation error about a variable by the variable, an unused one too (HTTP's plugin and a socket's checks alike)", () => {
    const doc = parse('query($unused: Int, $id: String) { order(id: $id) { id } }');
    const errors = validate(schema, doc);
    nameArgumentPaths(schema, doc, undefined, errors);
    expect(errors.map((e) => [e.message, e.extensions['field']])).toEqual([
      ['Variable "$unused" is never used.', 'unused'],
      ['Variable "$id" of type "String" used in position expecting type "ID!".', 'id'],
    ]);
  });
});
