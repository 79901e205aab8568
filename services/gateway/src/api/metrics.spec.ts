import { buildSchema, parse } from 'graphql';
import { operationLabels } from './metrics';

describe('operationLabels', () => {
  const schema = buildSchema(`
    type Query { account(id: ID!): Account, markets: [String!]! }
    type Mutation { deposit(id: ID!): Account }
    type Subscription { trades: String }
    type Account { id: ID!, balance: String }
  `);

  it('labels an operation with its type and the root field it asks for', () => {
    expect(operationLabels(schema, parse('query { account(id: "a") { balance } }'))).toEqual({
      operation: 'query',
      field: 'account',
    });
    expect(operationLabels(schema, parse('mutation M { deposit(id: "a") { id } }'), 'M')).toEqual({
      operation: 'mutation',
      field: 'deposit',
    });
    expect(operationLabels(schema, parse('subscription { trades }'))).toEqual({
      operation: 'subscription',
      field: 'trades',
    });
  });

  it('never takes a label from the client: an alias or an operation name changes nothing', () => {
    const document = parse('query AnythingTheClientLikes_12345 { mine: account(id: "a") { id } }');
    expect(operationLabels(schema, document, 'AnythingTheClientLikes_12345')).toEqual({
      operation: 'query',
      field: 'account',
    });
  });

  it('picks the named operation of several', () => {
    const document = parse('query A { markets } mutation B { deposit(id: "a") { id } }');
    expect(operationLabels(schema, document, 'B')).toEqual({ operation: 'mutation', field: 'deposit' });
  });

  it('caps every other case to a fixed value', () => {
    expect(operationLabels(schema, parse('query { markets account(id: "a") { id } }'))).toEqual({
      operation: 'query',
      field: 'multiple',
    });
    expect(operationLabels(schema, parse('query { markets __typename }'))).toEqual({
      operation: 'query',
      field: 'markets',
    });
    expect(operationLabels(schema, parse('query { noSuchField }'))).toEqual({
      operation: 'query',
      field: 'other',
    });
    expect(operationLabels(schema, parse('query { __schema { types { name } } }'))).toEqual({
      operation: 'query',
      field: 'other',
    });
    expect(operationLabels(schema, parse('mutation { account(id: "a") { id } }'))).toEqual({
      operation: 'mutation',
      field: 'other',
    });
    expect(operationLabels(schema, parse('query { ... on Query { markets } }'))).toEqual({
      operation: 'query',
      field: 'other',
    });
    expect(operationLabels(schema, parse('query A { markets } query B { markets }'))).toEqual({
      operation: 'other',
      field: 'other',
    });
    expect(operationLabels(schema, undefined)).toEqual({ operation: 'other', field: 'other' });
  });
});
