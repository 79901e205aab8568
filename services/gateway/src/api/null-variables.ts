import type { ApolloServerPlugin } from '@apollo/server';
import {
  DocumentNode,
  getOperationAST,
  GraphQLError,
  GraphQLSchema,
  isNonNullType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { apiError } from './errors';
import { perOperation } from './per-operation';
import { literalPaths } from './field-at-fault';
import { fragmentsOf } from './ids';

/*
 * A nullable variable may stand where the schema wants a value, as long as that place has a
 * default (`markets(first: $n)` with `$n: Int`, `first: Int! = 20`; `timeInForce: $t` inside
 * `input`; `@skip(if: $x)` with `$x: Boolean = true`): graphql-js validates it, and takes the default
 * when the request leaves the variable out. A request that sends the variable as an explicit null
 * made graphql-js throw while it executed ("Argument "first" of non-null type "Int!" must not be
 * null."), an error without a code: answered INTERNAL_SERVER_ERROR, "internal error", which tells a
 * client to retry rather than what to fix, and a null given to @skip nulled the whole answer.
 * Such a null is refused before the operation runs, BAD_USER_INPUT naming the field.
 */

interface Site {
  variable: string;
  /** The argument path where it is used (`first`, `input.timeInForce`, `if`). */
  field: string;
}

// Found once per parsed document and operation (per-operation.ts); a request walks its variables.
const sitesOf = perOperation(findSites);

function findSites(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): Site[] {
  const operation = getOperationAST(document, operationName);
  if (!operation) return [];
  const paths = literalPaths(document);
  const nullable = new Set(
    (operation.variableDefinitions ?? [])
      .filter((d) => d.type.kind !== Kind.NON_NULL_TYPE)
      .map((d) => d.variable.name.value),
  );
  if (nullable.size === 0) return [];
  const sites: Site[] = [];
  for (const definition of [operation, ...fragmentsOf(document, operation)]) {
    const typeInfo = new TypeInfo(schema);
    visit(
      definition,
      visitWithTypeInfo(typeInfo, {
        // A variable's own declaration is not a place it is used.
        VariableDefinition: () => false,
        Variable(node) {
          const name = node.name.value;
          if (nullable.has(name) && isNonNullType(typeInfo.getInputType()))
            sites.push({ variable: name, field: paths.get(node) ?? name });
        },
      }),
    );
  }
  return sites;
}

/**
 * One BAD_USER_INPUT per place of the operation that needs a value and is given a variable the
 * request sends as null. Empty otherwise. The document must have passed validation.
 */
export function nullVariableErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError[] {
  if (!variables) return [];
  const sites = sitesOf(schema, document, operationName ?? undefined);
  return sites
    .filter(
      ({ variable }) =>
        Object.prototype.hasOwnProperty.call(variables, variable) && variables[variable] === null,
    )
    .map(({ variable, field }) =>
      apiError(
        'BAD_USER_INPUT',
        `${field} cannot be null (variable $${variable} is null): leave the variable out to take the default, or send a value`,
        field,
        // Over HTTP the answer is 400, like any request the client must change (Apollo drops `http`).
        { http: { status: 400 } },
      ),
    );
}

/** Over HTTP: checked once the operation is validated, before it runs (over graphql-ws: subscriptions.ts). */
export const nullVariablesPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ schema, document, operationName, request }) {
        const [error] = nullVariableErrors(schema, document, operationName, request.variables);
        if (error) throw error;
      },
    };
  },
};
