import type { ApolloServerPlugin } from '@apollo/server';
import { DocumentNode, getOperationAST, GraphQLSchema, Kind } from 'graphql';
import { performance } from 'node:perf_hooks';
import { OTHER_LABEL, ServiceMetrics } from '@gpux/platform';

/** Several root fields in one operation (each is one of the schema's, but together they are one request). */
export const MULTIPLE_FIELDS_LABEL = 'multiple';

export interface OperationLabels {
  /** query, mutation, subscription, or `other` when no operation could be picked (a parse error). */
  operation: string;
  /** The schema's root field the operation asks for; `multiple`, or `other` for anything not in the schema. */
  field: string;
}

/**
 * Bounded labels for a GraphQL request: the operation's type and its root field, taken from the
 * schema, never from the client's free text (operationName, aliases). A name the schema does not
 * have at the root of that type (a typo, `__schema`, a fragment at the root) is `other`.
 */
export function operationLabels(
  schema: GraphQLSchema,
  document: DocumentNode | undefined,
  operationName?: string | null,
): OperationLabels {
  const operation = document ? getOperationAST(document, operationName ?? undefined) : null;
  if (!operation) return { operation: OTHER_LABEL, field: OTHER_LABEL };
  const root = schema.getRootType(operation.operation);
  const fields = root ? root.getFields() : {};
  const names = new Set<string>();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return { operation: operation.operation, field: OTHER_LABEL };
    if (selection.name.value !== '__typename') names.add(selection.name.value);
  }
  const [only] = names;
  const field =
    names.size > 1
      ? MULTIPLE_FIELDS_LABEL
      : only !== undefined && Object.prototype.hasOwnProperty.call(fields, only)
        ? only
        : OTHER_LABEL;
  return { operation: operation.operation, field };
}

/** GraphQL latency over HTTP (Apollo), by operation type, root field and whether it answered errors. */
export function graphqlMetricsPlugin(metrics: ServiceMetrics): ApolloServerPlugin {
  const duration = metrics.histogram<'operation' | 'field' | 'result'>({
    name: 'gpux_graphql_request_duration_seconds',
    help: 'GraphQL requests over HTTP, from arrival to response, by operation type, root field and result (ok, error)',
    labelNames: ['operation', 'field', 'result'],
  });
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(context) {
          const { operation, field } = operationLabels(
            context.schema,
            context.document,
            context.request.operationName,
          );
          const body = context.response.body;
          const failed =
            (context.errors?.length ?? 0) > 0 ||
            (body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0);
          duration.observe(
            { operation, field, result: failed ? 'error' : 'ok' },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}
