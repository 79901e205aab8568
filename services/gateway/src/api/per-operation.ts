import type { DocumentNode, GraphQLSchema } from 'graphql';

type Find<T> = (schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined) => T;

/**
 * `find`, remembered per schema, parsed document and operation name. Apollo hands the same parsed
 * document to every request that sends the same text (graphql-ws: subscriptions.ts parses each
 * once), so a walk of a document with its types is made once, and a request pays a lookup: the
 * walk for ids (ids.ts) costs about 34 us for bench:trading's placeOrder, the lookup none to speak of.
 */
export function perOperation<T>(find: Find<T>): Find<T> {
  const cache = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, T>>>();
  return (schema, document, operationName) => {
    let byDocument = cache.get(schema);
    if (!byDocument) cache.set(schema, (byDocument = new WeakMap()));
    let byOperation = byDocument.get(document);
    if (!byOperation) byDocument.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    if (!byOperation.has(key)) byOperation.set(key, find(schema, document, operationName));
    return byOperation.get(key) as T;
  };
}
