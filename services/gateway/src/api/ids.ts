import type { ApolloServerPlugin } from '@apollo/server';
import { entityId } from '@gpux/contracts';
import {
  ConstValueNode,
  DocumentNode,
  FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  getOperationAST,
  GraphQLError,
  GraphQLInputType,
  GraphQLSchema,
  isInputObjectType,
  isListType,
  Kind,
  OperationDefinitionNode,
  TypeInfo,
  ValueNode,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { apiError } from './errors';
import { perOperation } from './per-operation';
import { fragmentsByName } from './limits';

/*
 * Every id a caller sends, a value of GraphQL type ID anywhere in the operation (an argument, a
 * directive's argument, a field of an input object at any depth, written inline, passed in a
 * variable, or the default of a variable the request leaves out), must be one this
 * API can have made or accepted: contracts' entityId, 1 to 128 letters, digits and . _ : -,
 * starting with a letter or digit. Anything else is refused before the operation runs, with
 * BAD_USER_INPUT naming the field and saying what is wrong. Without this an id that no service
 * validates (an order, a session, a challenge to look up) was answered NOT_FOUND with the caller's
 * text repeated in the message, 5,000 characters or control characters included, and a query
 * answered null.
 */

const ID_RULE = 'an id is 1 to 128 letters, digits and . _ : -, starting with a letter or digit';

/** What is wrong with an id, in words that name `field` and never repeat the id; null when it is one. */
export function idProblem(field: string, id: string): string | null {
  if (entityId.safeParse(id).success) return null;
  if (id.length === 0) return `${field} is empty: ${ID_RULE}`;
  if (id.length > 128) return `${field} is ${id.length} characters long: ${ID_RULE}`;
  const at = /^[A-Za-z0-9]/.test(id) ? id.search(/[^A-Za-z0-9._:-]/) : 0;
  const char = [...id.slice(at)][0] ?? '';
  return `${field} has ${JSON.stringify(char)} at position ${at + 1}: ${ID_RULE}`;
}

type Found = { field: string; id: string };

/** The ids within a variable's (or a part of it's) JSON value of the given input type. */
function idsInValue(type: GraphQLInputType, value: unknown, path: string, out: Found[]): void {
  const nullable = getNullableType(type);
  if (value === null || value === undefined) return;
  if (isListType(nullable)) {
    for (const item of Array.isArray(value) ? value : [value]) idsInValue(nullable.ofType, item, path, out);
    return;
  }
  if (isInputObjectType(nullable)) {
    if (typeof value !== 'object' || Array.isArray(value)) return; // coercion refuses it
    const fields = nullable.getFields();
    for (const [name, inner] of Object.entries(value)) {
      const field = fields[name];
      if (field) idsInValue(field.type, inner, `${path}.${name}`, out);
    }
    return;
  }
  // ID takes a string or an integer; anything else is coercion's to refuse.
  if (getNamedType(nullable).name === 'ID' && (typeof value === 'string' || Number.isInteger(value)))
    out.push({ field: path, id: String(value) });
}

/**
 * Where a document holds ids: an id written in it, or a variable (of `type`) whose value holds
 * ids, found per request; `defaults`, the ids of the variable's default value, which stands in for
 * the value when the request does not send one (a value sent, null included, replaces it).
 */
type Site = Found | { field: string; variable: string; type: GraphQLInputType; defaults: Found[] };

/** The default values of an operation's variables, by name. */
type Defaults = ReadonlyMap<string, ConstValueNode>;

/** The id sites within a value written in the document, in the document's order. */
function sitesInLiteral(
  type: GraphQLInputType,
  node: ValueNode,
  path: string,
  out: Site[],
  defaults: Defaults,
): void {
  const nullable = getNullableType(type);
  if (node.kind === Kind.VARIABLE) {
    // A default is a constant (no variable in it): its sites are all ids, at this site's path.
    const found: Site[] = [];
    const value = defaults.get(node.name.value);
    if (value) sitesInLiteral(type, value, path, found, defaults);
    out.push({
      field: path,
      variable: node.name.value,
      type,
      defaults: found.filter((s): s is Found => !('variable' in s)),
    });
    return;
  }
  if (isListType(nullable)) {
    for (const item of node.kind === Kind.LIST ? node.values : [node])
      sitesInLiteral(nullable.ofType, item, path, out, defaults);
    return;
  }
  if (isInputObjectType(nullable)) {
    if (node.kind !== Kind.OBJECT) return;
    const fields = nullable.getFields();
    for (const f of node.fields) {
      const field = fields[f.name.value];
      if (field) sitesInLiteral(field.type, f.value, `${path}.${f.name.value}`, out, defaults);
    }
    return;
  }
  if (getNamedType(nullable).name === 'ID' && (node.kind === Kind.STRING || node.kind === Kind.INT))
    out.push({ field: path, id: node.value });
}

/** The fragments an operation spreads, directly or through other fragments. */
export function fragmentsOf(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): FragmentDefinitionNode[] {
  const byName = fragmentsByName(document);
  const used = new Map<string, FragmentDefinitionNode>();
  const spreadIn = (node: OperationDefinitionNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = byName.get(spread.name.value);
        if (!fragment || used.has(spread.name.value)) return;
        used.set(spread.name.value, fragment);
        spreadIn(fragment);
      },
    });
  spreadIn(operation);
  return [...used.values()];
}

/**
 * One BAD_USER_INPUT per malformed id of the operation that runs (`operationName`'s, or the only
 * one) and the fragments it spreads, each naming its field: `orderId`, `input.marketId` (the
 * paths of field-at-fault.ts). Empty when every id is well formed, or there is no such operation
 * (that is answered elsewhere). The document must have passed validation.
 */
export function malformedIdErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError[] {
  const sites = sitesOf(schema, document, operationName ?? undefined);
  if (sites.length === 0) return [];
  const found: Found[] = [];
  const values = variables ?? {};
  for (const site of sites)
    if (!('variable' in site)) found.push(site);
    // As graphql-js coerces variables: the default only where the request sends no value at all.
    else if (Object.prototype.hasOwnProperty.call(values, site.variable))
      idsInValue(site.type, values[site.variable], site.field, found);
    else found.push(...site.defaults);
  return found.flatMap(({ field, id }) => {
    const problem = idProblem(field, id);
    // Over HTTP the answer is 400, like any request the client must change (Apollo drops `http`).
    return problem ? [apiError('BAD_USER_INPUT', problem, field, { http: { status: 400 } })] : [];
  });
}

// Found once per parsed document and operation (per-operation.ts); a request walks its variables.
const sitesOf = perOperation(findSites);

function findSites(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): Site[] {
  const operation = getOperationAST(document, operationName);
  if (!operation) return [];
  const sites: Site[] = [];
  // A fragment's variables are the operation's (graphql-js parses variables on a fragment only
  // with allowLegacyFragmentVariables, which neither Apollo here nor subscriptions.ts sets).
  const defaults = new Map<string, ConstValueNode>();
  for (const d of operation.variableDefinitions ?? [])
    if (d.defaultValue) defaults.set(d.variable.name.value, d.defaultValue);
  for (const definition of [operation, ...fragmentsOf(document, operation)]) {
    const typeInfo = new TypeInfo(schema);
    visit(
      definition,
      visitWithTypeInfo(typeInfo, {
        Argument(node) {
          const argument = typeInfo.getArgument();
          // A field's argument or a directive's (on a field, a fragment, the operation or one of
          // its variables): TypeInfo knows either.
          if (argument) sitesInLiteral(argument.type, node.value, node.name.value, sites, defaults);
          return false; // its value was walked above
        },
      }),
    );
  }
  return sites;
}

/** Over HTTP: checked once the operation is validated, before it runs (over graphql-ws: subscriptions.ts). */
export const idsPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ schema, document, operationName, request }) {
        const [error] = malformedIdErrors(schema, document, operationName, request.variables);
        if (error) throw error;
      },
    };
  },
};
