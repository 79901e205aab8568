import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLError } from 'graphql';
import { variableArgumentPath } from './argument-paths';
import { apiError } from './errors';

/*
 * How many fields one object in a request's variables may have. graphql-js refuses each unknown
 * field of an input object with an error that quotes the whole object (up to 50 of them): one
 * variable of 85,000 unknown fields (924 KB, under the body's 1 MB) kept the gateway's thread for 4
 * seconds, every other client and its health check waiting, and three at once for 17. No input of
 * this API has more than a few dozen fields, nor does a certification message (the JSON scalar),
 * so an object past this is refused before graphql-js reads it, at once.
 */
export const MAX_OBJECT_FIELDS = 1_000;

/**
 * BAD_USER_INPUT for the first object of `variables` with more than MAX_OBJECT_FIELDS fields,
 * naming the argument it is given to (its variable when it is used in more than one place);
 * undefined when there is none. Walks the values without recursion.
 */
export function wideVariableError(
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError | undefined {
  if (!variables) return undefined;
  const stack: [unknown, string][] = Object.entries(variables).map(([name, value]) => [value, name]);
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [value, path] = next;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push([value[i], `${path}[${i}]`]);
      continue;
    }
    const fields = Object.keys(value);
    if (fields.length > MAX_OBJECT_FIELDS) {
      const field = variableArgumentPath(document, path);
      return apiError(
        'BAD_USER_INPUT',
        `${field} is an object of ${fields.length} fields: no input of this API takes more than ${MAX_OBJECT_FIELDS}; send only the fields it takes`,
        field,
        { http: { status: 400 } },
      );
    }
    for (const key of fields) stack.push([(value as Record<string, unknown>)[key], `${path}.${key}`]);
  }
  return undefined;
}

/** Over HTTP: checked before the operation's variables are read (over graphql-ws: subscriptions.ts). */
export const wideVariablesPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ document, request }) {
        const error = wideVariableError(document, request.variables);
        if (error) throw error;
      },
    };
  },
};
