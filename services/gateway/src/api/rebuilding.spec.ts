import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getOperationAST,
  parse,
  type DocumentNode,
  type OperationDefinitionNode,
} from 'graphql';
import {
  markerKeys,
  MODELS_OF_FIRST_VIEW,
  MODELS_OF_QUERY,
  modelsOf,
  modelsRebuilding,
  READ_MODELS,
} from './rebuilding';

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

describe('which read models a subscription reads', () => {
  it("is those its first message reads, for a view sent as it stands first: the market's and pricing's", () => {
    for (const field of ['bookUpdated', 'tickerUpdated'])
      expect(modelsOf(operation(`subscription { ${field}(marketId: "m1") { __typename } }`)).sort()).toEqual([
        'orders.read-model',
        'pricing.read-model',
      ]);
  });

  it("is the node query's for a node's subscription, which sends the node as it stands first", () => {
    expect(modelsOf(operation('subscription { nodeStatusChanged(nodeId: "n1") { id } }')).sort()).toEqual([
      'capacity.read-model',
      'orders.read-model',
    ]);
  });

  it("is myOrders' for your orders' subscription, which sends your live orders as they stand first", () => {
    expect(modelsOf(operation('subscription { myOrderUpdated { id } }'))).toEqual(['orders.read-model']);
  });

  it("is none for the trades', whose first view (with after) checks pricing's model as it reads", () => {
    expect(modelsOf(operation('subscription { tradeExecuted(marketId: "m1") { id } }'))).toEqual([]);
  });

  it('is what the fields of a fragment at the root read, spread or inline; all for one the document lacks', () => {
    const spread = (field: string) =>
      parse(`subscription { ...F } fragment F on Subscription { ${field}(marketId: "m1") { __typename } }`);
    const of = (document: DocumentNode) =>
      modelsOf(document.definitions[0] as OperationDefinitionNode, document).sort();
    expect(of(spread('tradeExecuted'))).toEqual([]);
    expect(of(spread('bookUpdated'))).toEqual(['orders.read-model', 'pricing.read-model']);
    expect(
      of(parse('subscription { ... on Subscription { tradeExecuted(marketId: "m1") { id } } }')),
    ).toEqual([]);
    expect(
      of(parse('subscription { ...F ...F } fragment F on Subscription { ...F myOrderUpdated { id } }')),
    ).toEqual(['orders.read-model']);
    expect(of(parse('subscription { ...Missing }'))).toEqual([...READ_MODELS].sort());
  });

  it("knows only the schema's subscriptions", () => {
    const schema = buildSchema(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8'));
    const fields = Object.keys(schema.getSubscriptionType()!.getFields());
    expect(Object.keys(MODELS_OF_FIRST_VIEW).filter((f) => !fields.includes(f))).toEqual([]);
  });
});

describe('which read models are not whole', () => {
  const models = ['settlement.read-model', 'capacity.read-model'];

  it("reads each model's epoch, then its rebuilding marker", () => {
    expect(markerKeys(models)).toEqual([
      'proj:21.settlement.read-model:epoch',
      'proj:21.settlement.read-model:rebuilding',
      'proj:19.capacity.read-model:epoch',
      'proj:19.capacity.read-model:rebuilding',
    ]);
  });

  it('is none once every model has an epoch and no rebuilding marker, even one legitimately empty', () => {
    expect(modelsRebuilding(models, ['e1', null, 'e2', null])).toEqual([]);
  });

  it('is a model refolding after a reset (its marker set)', () => {
    expect(modelsRebuilding(models, ['e1', '{"ends":{}}', 'e2', null])).toEqual(['settlement.read-model']);
  });

  it('is a model with no epoch at all: never folded since Redis lost it, however new the watcher', () => {
    // A gateway started after Redis restarted without persistence, before the service reset the
    // model, never saw its epoch: the empty model is not whole, and a key missing from it says nothing.
    expect(modelsRebuilding(models, [null, null, 'e2', null])).toEqual(['settlement.read-model']);
    expect(modelsRebuilding(models, [null, null, null, null])).toEqual(models);
  });
});
