import type { ApolloServerPlugin } from '@apollo/server';
import {
  DocumentNode,
  FieldNode,
  getNamedType,
  getOperationAST,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLObjectType,
  GraphQLSchema,
  isInputObjectType,
  isObjectType,
  Kind,
  SelectionSetNode,
} from 'graphql';
import { variableAtFault } from './errors';
import { literalPaths } from './field-at-fault';

/*
 * One name for the field at fault, whichever check finds it: its path from the root field's
 * argument (`input.gpus`, `amount`), as an inline literal's validation error names it. A
 * variable's error names the variable (`o.gpus` for `$o`) and a resolver's or a service's refusal
 * names the input field alone (`gpus`, `price`): both are rewritten here, so a client maps every
 * error of one input to one form field.
 */

/**
 * Where each variable of `document` is used among the arguments, in one walk per document (a
 * request's errors, up to graphql-js' 50 for variables, and the requests that send the same text,
 * which Apollo parses once, share it).
 */
const variableUses = new WeakMap<DocumentNode, Map<string, Set<string>>>();

function usesOf(document: DocumentNode): Map<string, Set<string>> {
  let uses = variableUses.get(document);
  if (uses) return uses;
  uses = new Map();
  for (const [node, path] of literalPaths(document))
    if (node.kind === Kind.VARIABLE) {
      const at = uses.get(node.name.value) ?? new Set<string>();
      uses.set(node.name.value, at.add(path));
    }
  variableUses.set(document, uses);
  return uses;
}

/**
 * `field`, its first name a variable of `document`, as the argument path where that variable is
 * used (when it is used in one place): `o.gpus` as `input.gpus`, a list's item `r[0]` as `roles[0]`.
 */
export function variableArgumentPath(document: DocumentNode, field: string): string {
  const cut = field.search(/[.[]/);
  const variable = cut < 0 ? field : field.slice(0, cut);
  const at = usesOf(document).get(variable);
  if (!at || at.size !== 1) return field;
  return `${[...at][0]}${cut < 0 ? '' : field.slice(cut)}`;
}

/** The fields of `selectionSet` (through its fragments) whose response key is `key`. */
function fieldsNamed(
  document: DocumentNode,
  selectionSet: SelectionSetNode,
  key: string,
  seen = new Set<string>(),
): FieldNode[] {
  const found: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if ((selection.alias ?? selection.name).value === key) found.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      found.push(...fieldsNamed(document, selection.selectionSet, key, seen));
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION)
        found.push(...fieldsNamed(document, fragment.selectionSet, key, seen));
    }
  }
  return found;
}

/**
 * `field` (a bare input field, `gpus`) of the error at response path `path` as its argument path
 * (`input.gpus`): prefixed with the one argument of the field at `path` whose input object has a
 * field of that name. Unchanged when it names an argument already, or no argument, or several.
 */
export function resolverArgumentPath(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  path: readonly (string | number)[],
  field: string,
): string {
  const operation = getOperationAST(document, operationName ?? undefined);
  let parent: GraphQLObjectType | null | undefined = operation && schema.getRootType(operation.operation);
  let selectionSet = operation?.selectionSet;
  let args: readonly { name: string; type: unknown }[] | undefined;
  for (const key of path) {
    if (typeof key === 'number') continue;
    if (!parent || !selectionSet) return field;
    const node = fieldsNamed(document, selectionSet, key)[0];
    const definition = node && parent.getFields()[node.name.value];
    if (!definition) return field;
    args = definition.args;
    const type = getNamedType(definition.type);
    parent = isObjectType(type) ? type : null;
    selectionSet = node.selectionSet;
  }
  const head = field.split('.')[0]!;
  if (!args || args.some((a) => a.name === head)) return field;
  const holders = args.filter((a) => {
    const type = getNamedType(a.type as Parameters<typeof getNamedType>[0]);
    return isInputObjectType(type) && head in type.getFields();
  });
  return holders.length === 1 ? `${holders[0]!.name}.${field}` : field;
}

/** A variable's error: graphql-js' wording, `Variable "$o" got invalid value …`. */
const VARIABLE_ERROR = /^Variable "\$/;

/** The argument path of an error's field at fault (variableArgumentPath, resolverArgumentPath); undefined when it names none. */
function argumentPathOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  error: {
    message: string;
    path?: readonly (string | number)[] | undefined;
    extensions?: Record<string, unknown>;
  },
): string | undefined {
  const named = error.extensions?.['field'];
  const field =
    typeof named === 'string'
      ? named
      : VARIABLE_ERROR.test(error.message)
        ? variableAtFault(error.message)
        : undefined;
  if (field === undefined) return undefined;
  if (error.path) return resolverArgumentPath(schema, document, operationName, error.path, field);
  return VARIABLE_ERROR.test(error.message) ? variableArgumentPath(document, field) : field;
}

/** Each formatted error's `extensions.field` as its argument path. */
export function withArgumentPaths(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  errors: readonly GraphQLFormattedError[],
): GraphQLFormattedError[] {
  return errors.map((error) => {
    const field = argumentPathOf(schema, document, operationName, error);
    return field === undefined || field === error.extensions?.['field']
      ? error
      : { ...error, extensions: { ...error.extensions, field } };
  });
}

/**
 * Names each error's `extensions.field` as its argument path, in place: a variable's error (an
 * unused one too, `Variable "$x" is never used.`) by its variable's path. The same for a request
 * over HTTP (argumentPathsPlugin) and a socket's validation errors (subscriptions.ts).
 */
export function nameArgumentPaths(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  errors: readonly GraphQLError[],
): void {
  for (const error of errors) {
    const field = argumentPathOf(schema, document, operationName, error);
    if (field !== undefined) (error.extensions as Record<string, unknown>)['field'] = field;
  }
}

/**
 * Apollo's side of it: each error of an HTTP request named before it is formatted (formatError
 * keeps a field it finds). Not once formatted: other plugins' willSendResponse run alongside and
 * replace the errors they read.
 */
export const argumentPathsPlugin: ApolloServerPlugin = {
  requestDidStart: async () => ({
    didEncounterErrors: async ({ errors, document, schema, operationName }) => {
      if (document) nameArgumentPaths(schema, document, operationName, errors);
    },
  }),
};
