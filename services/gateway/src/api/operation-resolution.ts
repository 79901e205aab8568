import { DocumentNode, GraphQLError, Kind } from 'graphql';
import { apiError } from './errors';

/**
 * Why no operation of the document runs (getOperationAST found none): the words and the code
 * Apollo answers over HTTP (OPERATION_RESOLUTION_FAILURE on operationName), so that graphql-ws
 * answers alike: operationName names no operation of the document, or none was named among
 * several (or the document holds none).
 */
export function operationNotResolved(document: DocumentNode, operationName: unknown): GraphQLError {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
  const message =
    typeof operationName === 'string'
      ? `Unknown operation named ${JSON.stringify(operationName)}.`
      : operations === 0
        ? 'Must provide an operation.'
        : 'Must provide operation name if query contains multiple operations.';
  return apiError('OPERATION_RESOLUTION_FAILURE', message, 'operationName');
}
