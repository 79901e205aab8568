import type { ApolloServerPlugin } from '@apollo/server';
import { ASTNode, DocumentNode, GraphQLError, Kind, ValueNode } from 'graphql';

/*
 * Which field a client got wrong, as `extensions.field`, for the errors graphql-js raises while it
 * validates a document: it points at nodes of the document and says what is wrong in prose, but
 * never names the argument or input field. A variable's errors are named from their message
 * instead (variableAtFault in errors.ts), as graphql-js writes the path there.
 */

type Argument = ASTNode & { name: ASTNode & { value: string }; value: ValueNode };
type WithArguments = { kind?: string; arguments?: readonly Argument[] };

/**
 * Where each node written among the arguments sits: `arg`, `arg.inputField`, `arg.inputField.inner`
 * (a list's items share their list's path), for an argument, an input object's field, either's
 * name, and every value. Found in one walk of the document, for all of a request's errors: an error
 * can point at thousands of nodes (one variable declared 2,000 times), and walking the document for
 * each of them kept the gateway's thread for minutes.
 */
export function literalPaths(document: DocumentNode): Map<ASTNode, string> {
  const paths = new Map<ASTNode, string>();
  const within = (value: ValueNode, path: string): void => {
    paths.set(value, path);
    if (value.kind === Kind.OBJECT)
      for (const f of value.fields) {
        const inner = `${path}.${f.name.value}`;
        paths.set(f, inner);
        paths.set(f.name, inner);
        within(f.value, inner);
      }
    if (value.kind === Kind.LIST) for (const v of value.values) within(v, path);
  };
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as WithArguments;
    if ((n.kind === Kind.FIELD || n.kind === Kind.DIRECTIVE) && n.arguments)
      for (const arg of n.arguments) {
        paths.set(arg, arg.name.value);
        paths.set(arg.name, arg.name.value);
        within(arg.value, arg.name.value);
      }
    for (const [key, child] of Object.entries(node)) {
      if (key === 'loc' || key === 'arguments') continue;
      if (Array.isArray(child)) child.forEach(visit);
      else visit(child);
    }
  };
  visit(document);
  return paths;
}

// graphql-js' wording of the errors whose field is named in the message, not by a node
// (graphql/validation/rules: ProvidedRequiredArgumentsRule, ValuesOfCorrectTypeRule, FieldsOnCorrectTypeRule).
const MISSING_ARGUMENT = /^(?:Field|Directive) "[^"]+" argument "([^"]+)" of type "[^"]+" is required/;
const MISSING_INPUT_FIELD = /^Field "[^"]+\.([^".]+)" of required type "[^"]+" was not provided\.$/;
const UNKNOWN_FIELD = /^Cannot query field "([^"]+)" on type/;

/**
 * The field at fault of a validation error: the argument or input field its nodes point at (a
 * missing input field named after its object's path), a missing argument by its name, or the
 * selected field the error is about. Undefined when the error is about no field (an unknown type,
 * an unused variable, a fragment).
 */
function validationFieldAtFault(
  paths: ReadonlyMap<ASTNode, string>,
  error: GraphQLError,
): string | undefined {
  const missingArgument = MISSING_ARGUMENT.exec(error.message);
  if (missingArgument) return missingArgument[1];
  for (const node of error.nodes ?? []) {
    const path = paths.get(node);
    if (path === undefined) continue;
    const missing = node.kind === Kind.OBJECT ? MISSING_INPUT_FIELD.exec(error.message) : null;
    return missing ? `${path}.${missing[1]}` : path;
  }
  const unknown = UNKNOWN_FIELD.exec(error.message);
  if (unknown) return unknown[1];
  const node = error.nodes?.[0];
  return node?.kind === Kind.FIELD ? node.name.value : undefined;
}

/** Names the field at fault (`extensions.field`) of each validation error that names none yet. */
export function nameFieldsAtFault(document: DocumentNode, errors: readonly GraphQLError[]): void {
  const unnamed = errors.filter((error) => !error.extensions['field']);
  if (unnamed.length === 0) return;
  const paths = literalPaths(document);
  for (const error of unnamed) {
    const field = validationFieldAtFault(paths, error);
    if (field) (error.extensions as Record<string, unknown>)['field'] = field;
  }
}

/**
 * Apollo's side of it: a document that fails validation (an inline literal of the wrong type, a
 * missing or unknown argument or input field, a field its type does not have) is answered with
 * the field at fault. A literal a scalar refuses (`deposit(amount: "1e3")`) keeps its code,
 * BAD_USER_INPUT (formatError); the others are GRAPHQL_VALIDATION_FAILED.
 */
export const literalFieldPlugin: ApolloServerPlugin = {
  requestDidStart: async () => ({
    validationDidStart: async (requestContext) => async (errors) => {
      const document = requestContext.document;
      if (!errors || !document) return;
      nameFieldsAtFault(
        document,
        errors.filter((e): e is GraphQLError => e instanceof GraphQLError),
      );
    },
  }),
};
