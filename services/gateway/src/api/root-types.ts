import type { GraphQLSchema } from 'graphql';

/**
 * What the schema's root types are, for its readers. Nest builds Query, Mutation and Subscription
 * itself, with no way to describe them, so they are described once the schema is built: by the
 * GraphQL module (transformSchema, service.ts) and by the specs that build the schema the same way.
 */
export const ROOT_TYPE_DESCRIPTIONS = {
  query:
    'What can be read: markets and their prices, accounts and their ledgers, your orders, fills and leases, nodes, and the API itself (viewer, system, errorCodes).',
  mutation:
    "What can be changed: markets, accounts and their money, API keys, orders, nodes and their credentials, and the worker protocol's steps (a node credential's). A mutation that creates or moves something takes an idempotencyKey, to retry it safely; the protocol's steps do not.",
  subscription:
    "What can be followed over WebSocket (graphql-ws), as it changes: a market's book, ticker and trades, a node, and your orders.",
} as const;

/** Describes the schema's root types (ROOT_TYPE_DESCRIPTIONS), in place; answers the same schema. */
export function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const roots = {
    query: schema.getQueryType(),
    mutation: schema.getMutationType(),
    subscription: schema.getSubscriptionType(),
  };
  for (const [root, type] of Object.entries(roots))
    if (type) type.description = ROOT_TYPE_DESCRIPTIONS[root as keyof typeof roots];
  return schema;
}
