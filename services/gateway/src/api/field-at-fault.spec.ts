import { ApolloServer } from '@apollo/server';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
  validate,
} from 'graphql';
import { formatError } from './errors';
import { literalFieldPlugin, nameFieldsAtFault } from './field-at-fault';
import { GraphQLUsd } from './scalars';

// A schema shaped like placeOrder's, served as the gateway serves it: same plugin, same formatError.
const Side = new GraphQLEnumType({ name: 'Side', values: { BID: {}, ASK: {} } });
const Window = new GraphQLInputObjectType({
  name: 'Window',
  fields: { hours: { type: new GraphQLNonNull(GraphQLInt) } },
});
const OrderInput = new GraphQLInputObjectType({
  name: 'OrderInput',
  fields: {
    side: { type: new GraphQLNonNull(Side) },
    gpus: { type: new GraphQLNonNull(GraphQLInt) },
    price: { type: new GraphQLNonNull(GraphQLUsd) },
    window: { type: Window },
    tags: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) },
  },
});
const Order = new GraphQLObjectType({
  name: 'Order',
  fields: { id: { type: GraphQLString }, status: { type: GraphQLString } },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: { order: { type: Order, args: { id: { type: new GraphQLNonNull(GraphQLString) } } } },
  }),
  mutation: new GraphQLObjectType({
    name: 'Mutation',
    fields: {
      place: {
        type: Order,
        args: {
          key: { type: new GraphQLNonNull(GraphQLString) },
          input: { type: new GraphQLNonNull(OrderInput) },
        },
        resolve: () => ({ id: 'o-1', status: 'OPEN' }),
      },
    },
  }),
});
const server = new ApolloServer({ schema, plugins: [literalFieldPlugin], formatError });
beforeAll(() => server.start());
afterAll(() => server.stop());

async function errorsOf(query: string, variables?: Record<string, unknown>) {
  const response = await server.executeOperation({ query, ...(variables ? { variables } : {}) });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return (response.body.singleResult.errors ?? []).map((e) => ({
    code: e.extensions?.['code'],
    field: e.extensions?.['field'],
  }));
}

const VALID = 'side: BID, gpus: 1, price: "2.50"';

describe('the field at fault of a document that fails validation', () => {
  it.each([
    ['an unknown enum value', `key: "k", input: { side: BUY, gpus: 1, price: "2.50" }`, 'input.side'],
    ['a float for an Int', `key: "k", input: { side: BID, gpus: 1.5, price: "2.50" }`, 'input.gpus'],
    ['a missing input field', `key: "k", input: { side: BID, gpus: 1 }`, 'input.price'],
    ['an unknown input field', `key: "k", input: { ${VALID}, limitPrice: "2.50" }`, 'input.limitPrice'],
    ['a nested missing field', `key: "k", input: { ${VALID}, window: {} }`, 'input.window.hours'],
    ['a nested wrong value', `key: "k", input: { ${VALID}, window: { hours: "2" } }`, 'input.window.hours'],
    ['a wrong list item', `key: "k", input: { ${VALID}, tags: ["a", 7] }`, 'input.tags'],
    [
      'a null for a required field',
      `key: "k", input: { side: BID, gpus: null, price: "2.50" }`,
      'input.gpus',
    ],
    ['a duplicate input field', `key: "k", input: { ${VALID}, gpus: 2 }`, 'input.gpus'],
    ['a missing argument', `input: { ${VALID} }`, 'key'],
    ['an unknown argument', `key: "k", input: { ${VALID} }, dryRun: true`, 'dryRun'],
    ['a duplicate argument', `key: "k", key: "j", input: { ${VALID} }`, 'key'],
  ])('names it for %s (GRAPHQL_VALIDATION_FAILED)', async (_what, args, field) => {
    expect(await errorsOf(`mutation { place(${args}) { id } }`)).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', field },
    ]);
  });

  it('names a literal a scalar refuses as BAD_USER_INPUT, as before', async () => {
    expect(
      await errorsOf(`mutation { place(key: "k", input: { side: BID, gpus: 1, price: "1e3" }) { id } }`),
    ).toEqual([{ code: 'BAD_USER_INPUT', field: 'input.price' }]);
  });

  it('names each of several errors', async () => {
    expect(
      await errorsOf(
        `mutation { place(key: "k", input: { side: BUY, gpus: 1.5, limitPrice: "2.50" }) { id } }`,
      ),
    ).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', field: 'input.price' },
      { code: 'GRAPHQL_VALIDATION_FAILED', field: 'input.side' },
      { code: 'GRAPHQL_VALIDATION_FAILED', field: 'input.gpus' },
      { code: 'GRAPHQL_VALIDATION_FAILED', field: 'input.limitPrice' },
    ]);
  });

  it('names a selected field the type does not have, or that needs a selection', async () => {
    expect(await errorsOf(`mutation { place(key: "k", input: { ${VALID} }) { id statux } }`)).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', field: 'statux' },
    ]);
    expect(await errorsOf(`mutation { place(key: "k", input: { ${VALID} }) }`)).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', field: 'place' },
    ]);
  });

  it('names the argument where a variable of the wrong type is used', async () => {
    expect(await errorsOf('query($id: String) { order(id: $id) { id } }')).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', field: 'id' },
    ]);
    expect(await errorsOf('query { order(id: $nope) { id } }')).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', field: 'id' },
    ]);
  });

  it('names nothing for an error about no field', async () => {
    // An unknown type, and its variable therefore never used; an unknown fragment.
    expect(await errorsOf('query($x: Nope) { order(id: "1") { id } }')).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', field: undefined },
      { code: 'GRAPHQL_VALIDATION_FAILED', field: undefined },
    ]);
    expect(await errorsOf('query { order(id: "1") { ...F } }')).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', field: undefined },
    ]);
  });
});

describe('the field at fault of errors that point at many nodes', () => {
  it('names none for a variable declared 20,000 times, and still the argument of the error beside it', () => {
    // The duplicate's error points at 20,000 nodes, none of them an argument; each was looked for
    // in a walk of the whole document, 20,000 walks of 20,000 declarations.
    const declared = Array.from({ length: 20_000 }, () => '$v: Int').join(', ');
    const document = parse(`query(${declared}) { order(id: "1", nope: $v) { id } }`);
    const errors = validate(schema, document, undefined, { maxErrors: 10 });
    nameFieldsAtFault(document, errors);
    expect(errors.map((e) => [e.nodes?.length ?? 0, e.extensions['field']])).toEqual([
      [20_000, undefined],
      [1, 'nope'],
    ]);
  });
});

describe('the field at fault of a variable graphql-js could not coerce, served', () => {
  it.each([
    [{ side: 'BID', gpus: 1 }, 'input.price'],
    [{ side: 'BID', gpus: 1, price: '2.50', limitPrice: '2.50' }, 'input.limitPrice'],
    [{ side: 'BID', gpus: 1, price: '2.50', window: {} }, 'input.window.hours'],
    [{ side: 'BID', gpus: 1, price: '2.50', window: { hours: 1, minutes: 30 } }, 'input.window.minutes'],
    [{ side: 'BUY', gpus: 1, price: '2.50' }, 'input.side'],
  ])('%j names %s (BAD_USER_INPUT)', async (input, field) => {
    expect(
      await errorsOf('mutation($input: OrderInput!) { place(key: "k", input: $input) { id } }', { input }),
    ).toEqual([{ code: 'BAD_USER_INPUT', field }]);
  });
});

describe('nameFieldsAtFault, as the WebSocket server validates', () => {
  it('names the field of each error graphql-js validate returns, keeping one already named', () => {
    const document = parse(`mutation { place(input: { side: BUY, gpus: 1, price: "2.50" }) { id nope } }`);
    const errors = validate(schema, document);
    nameFieldsAtFault(document, errors);
    expect(errors.map((e) => e.extensions['field']).sort()).toEqual(['input.side', 'key', 'nope']);
    nameFieldsAtFault(document, errors);
    expect(errors.map((e) => e.extensions['field']).sort()).toEqual(['input.side', 'key', 'nope']);
  });
});
