import type { ApolloServerPlugin } from '@apollo/server';
import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  getOperationAST,
  GraphQLError,
  GraphQLField,
  GraphQLNamedType,
  GraphQLSchema,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  ValueNode,
} from 'graphql';

// The limits every operation is held to, on every transport (HTTP through Apollo, WebSocket through
// graphql-ws): `operationLimitErrors` is the one check, `operationLimitsPlugin` and the WebSocket
// server's onSubscribe its only two callers.

export const MAX_DEPTH = 8;
export const MAX_FIELDS = 300;
/**
 * The cost budget. A field costs 1 plus the cost of what it selects times its list size: the
 * argument `first`, `last`, `limit` or `depth` (given, or its default); for a list without such
 * an argument, UNSIZED_LIST, unless the field above it had one (a connection's `edges`, a book's
 * `bids`). The largest legitimate reads fit: a full page of 100 orders of 20 fields (about
 * 2,500), 500 candles of all their fields (about 4,500), every market's book and ticker.
 */
export const MAX_COST = 10_000;
/** The arguments that say how many items a field returns. */
export const LIST_SIZE_ARGUMENTS: readonly string[] = ['first', 'last', 'limit', 'depth'];
/** What a list without a size argument counts for (an account's `apiKeys`): a few. */
export const UNSIZED_LIST = 10;

export interface OperationSize {
  depth: number;
  fields: number;
  cost: number;
}

type Variables = Record<string, unknown> | null | undefined;

/** An argument's integer value: literal, or a variable's value, or the variable's default. */
function intValue(
  value: ValueNode,
  variables: Variables,
  operation: OperationDefinitionNode,
): number | undefined {
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const name = value.name.value;
    const given = variables?.[name];
    if (typeof given === 'number') return given;
    const definition = operation.variableDefinitions?.find((d) => d.variable.name.value === name);
    if (definition?.defaultValue?.kind === Kind.INT) return Number(definition.defaultValue.value);
  }
  return undefined;
}

class Measure {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly operation: OperationDefinitionNode,
    private readonly variables: Variables,
  ) {}

  /** The field's list-size arguments' product, null when it has none. */
  private sized(field: GraphQLField<unknown, unknown> | undefined, node: FieldNode): number | null {
    let n: number | null = null;
    for (const name of LIST_SIZE_ARGUMENTS) {
      const given = node.arguments?.find((a) => a.name.value === name);
      const declared = field?.args.find((a) => a.name === name);
      if (!given && !declared) continue;
      const value = given
        ? intValue(given.value, this.variables, this.operation)
        : (declared?.defaultValue as number | undefined);
      n = (n ?? 1) * (typeof value === 'number' && Number.isFinite(value) && value > 1 ? value : 1);
    }
    return n;
  }

  /** `sizedAbove`: the field selecting this set had a list-size argument, which its lists already count. */
  set(
    set: SelectionSetNode | undefined,
    type: GraphQLNamedType | undefined,
    depth: number,
    seen: ReadonlySet<string>,
    sizedAbove = false,
  ): OperationSize {
    if (!set) return { depth, fields: 0, cost: 0 };
    let deepest = depth;
    let fields = 0;
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const field =
          type && (isObjectType(type) || isInterfaceType(type))
            ? type.getFields()[selection.name.value]
            : undefined;
        const size = this.sized(field, selection);
        const list = field ? isListType(getNullableType(field.type)) : false;
        const multiplier = size ?? (list && !sizedAbove ? UNSIZED_LIST : 1);
        const inner = this.set(
          selection.selectionSet,
          field ? getNamedType(field.type) : undefined,
          depth + 1,
          seen,
          size !== null,
        );
        deepest = Math.max(deepest, inner.depth);
        fields += 1 + inner.fields;
        cost += 1 + multiplier * inner.cost;
      } else {
        let inner: OperationSize;
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const on = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : type;
          inner = this.set(selection.selectionSet, on ?? undefined, depth, seen, sizedAbove);
        } else {
          const name = selection.name.value;
          if (seen.has(name)) continue; // a cycle is invalid anyway; validation reports it
          const fragment = this.fragments.get(name);
          const on = fragment ? this.schema.getType(fragment.typeCondition.name.value) : undefined;
          inner = this.set(
            fragment?.selectionSet,
            on ?? undefined,
            depth,
            new Set([...seen, name]),
            sizedAbove,
          );
        }
        deepest = Math.max(deepest, inner.depth);
        fields += inner.fields;
        cost += inner.cost;
      }
    }
    return { depth: deepest, fields, cost };
  }
}

/** The depth, field count and cost of one operation of a (valid) document. */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables?: Variables,
): OperationSize {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const root = schema.getRootType(operation.operation) ?? undefined;
  return new Measure(schema, fragments, operation, variables).set(operation.selectionSet, root, 0, new Set());
}

function tooComplex(message: string, operation: OperationDefinitionNode): GraphQLError {
  return new GraphQLError(message, {
    nodes: [operation],
    // Over HTTP the answer is 400, like any request the client must change (Apollo drops `http`).
    extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } },
  });
}

/**
 * Why the operation is refused (QUERY_TOO_COMPLEX): nested deeper than MAX_DEPTH, selecting more
 * than MAX_FIELDS fields, or costing more than MAX_COST; empty when it is within the limits.
 */
export function operationLimitErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables?: Variables,
): GraphQLError[] {
  const operation = getOperationAST(document, operationName);
  if (!operation) return [];
  const { depth, fields, cost } = measureOperation(schema, document, operation, variables);
  if (depth > MAX_DEPTH)
    return [
      tooComplex(`the query is nested ${depth} levels deep; at most ${MAX_DEPTH} are allowed`, operation),
    ];
  if (fields > MAX_FIELDS)
    return [tooComplex(`the query selects ${fields} fields; at most ${MAX_FIELDS} are allowed`, operation)];
  if (cost > MAX_COST)
    return [
      tooComplex(
        `the query costs ${cost}; at most ${MAX_COST} is allowed (each field costs 1, times the list sizes (${LIST_SIZE_ARGUMENTS.join(', ')}) above it): ask for fewer items or fields`,
        operation,
      ),
    ];
  return [];
}

/** The limits on HTTP: checked once the operation is parsed and validated, before it runs. */
export const operationLimitsPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ schema, document, operationName, request }) {
        const [error] = operationLimitErrors(schema, document, operationName, request.variables);
        if (error) throw error;
      },
    };
  },
};
