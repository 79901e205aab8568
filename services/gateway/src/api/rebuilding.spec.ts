import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, getOperationAST, parse } from 'graphql';
import { MODELS_OF_QUERY, modelsOf, READ_MODELS } from './rebuilding';

const operation = (query: string) => getOperationAST(parse(query))!;

describe('which read models a query reads', () => {
  it('is the models of its root fields', () => {
    expect(modelsOf(operation('{ me { balance } }')).sort()).toEqual([
      'orders.read-model',
      'settlement.read-model',
    ]);
    expect(modelsOf(operation('{ myOrders { totalCount } myLeases { totalCount } }')).sort()).toEqual([
      'orders.read-model',
      'settlement.read-model',
    ]);
    expect(modelsOf(operation('{ system { kafka } }'))).toEqual([]);
  });

  it('is none for __typename and introspection, and all of them for a field it does not know', () => {
    expect(modelsOf(operation('{ __typename }'))).toEqual([]);
    expect(modelsOf(operation('{ __schema { types { name } } }'))).toEqual([]);
    expect(modelsOf(operation('{ somethingNew }')).sort()).toEqual([...READ_MODELS].sort());
  });

  it('knows every root query field of the schema', () => {
    const schema = buildSchema(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8'));
    expect(Object.keys(schema.getQueryType()!.getFields()).filter((f) => !(f in MODELS_OF_QUERY))).toEqual(
      [],
    );
  });
});
