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
 * How many fields one variable may hold in all, its objects inside one another counted together:
 * 85 objects of 1,000 fields each, one inside the variable, were as slow to refuse (graphql-js
 * quotes two levels of a value). The largest legitimate variable, a certification opening, holds a
 * few hundred.
 */
export const MAX_VARIABLE_FIELDS = 10_000;

/**
 * BAD_USER_INPUT for the first object of `variables` with more than MAX_OBJECT_FIELDS fields, or
 * the first variable with more than MAX_VARIABLE_FIELDS in all, naming the argument it is given to
 * (its variable when it is used in more than one place); undefined when there is none. Walks the
 * values without recursion, and stops at the first it refuses.
 */
export function wideVariableError(
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError | undefined {
  if (!variables) return undefined;
  const refused = (path: string, what: string) => {
    const field = variableArgumentPath(document, path);
    return apiError('BAD_USER_INPUT', `${field} ${what}; send only the fields it takes`, field, {
      http: { status: 400 },
    });
  };
  for (const [name, root] of Object.entries(variables)) {
    let inAll = 0;
    const stack: [unknown, string][] = [[root, name]];
    for (let next = stack.pop(); next; next = stack.pop()) {
      const [value, path] = next;
      if (typeof value !== 'object' || value === null) continue;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) stack.push([value[i], `${path}[${i}]`]);
        continue;
      }
      const fields = Object.keys(value);
      if (fields.length > MAX_OBJECT_FIELDS)
        return refused(
          path,
          `is an object of ${fields.length} fields: no input of this API takes more than ${MAX_OBJECT_FIELDS}`,
        );
      inAll += fields.length;
      if (inAll > MAX_VARIABLE_FIELDS)
        return refused(
          name,
          `holds over ${MAX_VARIABLE_FIELDS} fields in its objects: no input of this API holds that many`,
        );
      for (const key of fields) stack.push([(value as Record<string, unknown>)[key], `${path}.${key}`]);
    }
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
