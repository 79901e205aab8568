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
  getIntrospectionQuery,
  GraphQLSchema,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  parse,
  OperationDefinitionNode,
  SelectionSetNode,
  ValueNode,
  valueFromASTUntyped,
  ASTNode,
} from 'graphql';
import { sizeOutOfRange } from './size-ranges';
import { WHOLE_SCAN_COST, WHOLE_SCANS } from './whole-scans';

// The limits every operation is held to, on every transport (HTTP through Apollo, WebSocket through
// graphql-ws): `operationLimitErrors` is the one check, `operationLimitsPlugin` and the WebSocket
// server's onSubscribe its only two callers.

export const MAX_DEPTH = 8;
export const MAX_FIELDS = 300;
/**
 * The cost budget. A field costs 1 plus the cost of what it selects times its list size: the
 * argument `first`, `last`, `limit` or `depth` (given, or its default); for a list without such
 * an argument, UNSIZED_LIST, unless the field above it had one (a connection's `edges`, a book's
 * `bids`). A call that reads a whole index (whole-scans.ts: `nodes` with a filter, `myOrders`
 * with a status) costs WHOLE_SCAN_COST instead of 1. A field with a size out of its range
 * (size-ranges.ts) costs 1 and what it selects nothing: its resolver refuses it before it reads
 * anything (its scan among it), naming the argument. The largest legitimate reads fit: a full page
 * of 100 orders of 20 fields (about 2,500), 500 candles of all their fields (about 4,500), every
 * market's book and ticker, a filtered page of 100 orders or nodes (about 5,000).
 */
export const MAX_COST = 10_000;
/**
 * The longest alias a field may be given. The answer repeats an alias once for each item of the
 * lists above it: an alias of 800 kB under 30 aliases of `errorCodes` (24 items) was 576 MB of
 * answer to one anonymous request, past what the gateway can write (INTERNAL_SERVER_ERROR, HTTP
 * 500), and one of 100 kB was 2.4 MB. The schema's own field names are far shorter.
 */
export const MAX_ALIAS_LENGTH = 128;
/** The arguments that say how many items a field returns. */
export const LIST_SIZE_ARGUMENTS: readonly string[] = ['first', 'last', 'limit', 'depth'];
/** What a list without a size argument counts for (an account's `apiKeys`): a few. */
export const UNSIZED_LIST = 10;

export interface OperationSize {
  depth: number;
  fields: number;
  cost: number;
  /** The fields (`Type.field`) called here so that they read a whole index (WHOLE_SCANS). */
  scans: readonly string[];
  /**
   * The `__schema` and `__type` selections, measured apart: the schema's description is read from
   * memory, and the introspection query every GraphQL tool sends is 15 levels deep. Their deepest
   * level below the meta field, and their cost with each list counted at the most it can hold in
   * this schema (introspectionSizes).
   */
  introspection: { depth: number; cost: number };
}

/** How deep an introspection may go below `__schema` or `__type` (the tools' query needs 14). */
export const MAX_INTROSPECTION_DEPTH = 24;
/** An introspection may cost this many times a full introspection of the schema (costOfFullIntrospection). */
export const INTROSPECTION_BUDGET_FACTOR = 2;
const META_FIELDS = new Map([
  ['__schema', '__Schema'],
  ['__type', '__Type'],
]);
type Introspection = OperationSize['introspection'];
const NOTHING: Introspection = { depth: 0, cost: 0 };

const introspectionSizesOf = new WeakMap<GraphQLSchema, ReadonlyMap<string, number>>();

/** The most each introspection list can hold in this schema: every type, the widest type's fields… */
export function introspectionSizes(schema: GraphQLSchema): ReadonlyMap<string, number> {
  let sizes = introspectionSizesOf.get(schema);
  if (!sizes) {
    sizes = new Map(Object.entries(countIntrospectionLists(schema)));
    introspectionSizesOf.set(schema, sizes);
  }
  return sizes;
}

function countIntrospectionLists(schema: GraphQLSchema): Record<string, number> {
  const types = Object.values(schema.getTypeMap());
  const most = (counts: number[]) => Math.max(1, ...counts);
  const withFields = types.filter((t) => isObjectType(t) || isInterfaceType(t));
  const fields = withFields.flatMap((t) => Object.values(t.getFields()));
  return {
    types: types.length,
    fields: most(withFields.map((t) => Object.keys(t.getFields()).length)),
    inputFields: most(types.map((t) => (isInputObjectType(t) ? Object.keys(t.getFields()).length : 0))),
    enumValues: most(types.map((t) => (isEnumType(t) ? t.getValues().length : 0))),
    args: most([...fields.map((f) => f.args.length), ...schema.getDirectives().map((d) => d.args.length)]),
    interfaces: most(withFields.map((t) => t.getInterfaces().length)),
    possibleTypes: most(types.filter(isAbstractType).map((t) => schema.getPossibleTypes(t).length)),
    directives: schema.getDirectives().length,
  };
}

type Variables = Record<string, unknown> | null | undefined;

/** The fields' scans of two sizes together, each named once. */
const bothScans = (a: readonly string[], b: readonly string[]): readonly string[] =>
  b.length === 0 ? a : a.length === 0 ? b : [...new Set([...a, ...b])];

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

/**
 * Measures one operation. A fragment is measured once for each way it is spread (under a sized
 * list or not, inside an introspection or not) and its size reused wherever it is spread again:
 * fragments that spread each other twice, 40 deep, make 2^40 fields, and walking every spread
 * took the gateway's one thread for good; each fragment measured once is linear in the document.
 */
class Measure {
  /** Set while measuring inside `__schema` or `__type`: what each introspection list holds at most. */
  private sizes: ReadonlyMap<string, number> | null = null;
  /** Each fragment's size spread at depth 0, by `name|sizedAbove|inIntrospection`. */
  private readonly measured = new Map<string, OperationSize>();
  /** The fragments being measured: a spread of one of them is a cycle (invalid; validation says so). */
  private readonly measuring = new Set<string>();
  /** The variables' values, given or by default: what a whole scan's arguments are read with. */
  private values: Record<string, unknown> | undefined;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly operation: OperationDefinitionNode,
    private readonly variables: Variables,
  ) {}

  /** Whether this call of `Type.field` reads a whole index, by its arguments' values. */
  private scans(coordinate: string, node: FieldNode): boolean {
    const scan = WHOLE_SCANS.get(coordinate);
    if (!scan) return false;
    if (!this.values) {
      this.values = { ...this.variables };
      for (const d of this.operation.variableDefinitions ?? [])
        if (this.values[d.variable.name.value] === undefined && d.defaultValue)
          this.values[d.variable.name.value] = valueFromASTUntyped(d.defaultValue);
    }
    const args: Record<string, unknown> = {};
    for (const a of node.arguments ?? []) args[a.name.value] = valueFromASTUntyped(a.value, this.values);
    return scan.scans(args);
  }

  operationSize(root: GraphQLNamedType | undefined, set: SelectionSetNode): OperationSize {
    return this.set(set, root, 0);
  }

  /** A `__schema` or `__type` selection: measured with the schema's list sizes, apart from the rest. */
  private meta(selection: FieldNode, typeName: string): Introspection {
    const outer = this.sizes;
    this.sizes = outer ?? introspectionSizes(this.schema);
    const inner = this.set(selection.selectionSet, this.schema.getType(typeName) ?? undefined, 0);
    this.sizes = outer;
    return {
      depth: Math.max(inner.introspection.depth, inner.depth),
      cost: inner.introspection.cost + 1 + inner.cost,
    };
  }

  /**
   * The field's list-size arguments' product, null when it has none; 0 when one of them is out of
   * its range (size-ranges.ts): the field's resolver refuses it before it reads anything, so what
   * it selects is never read. The refusal, naming the argument, is then the answer, not a cost
   * counted at a size no page ever has.
   */
  private sized(
    coordinate: string,
    field: GraphQLField<unknown, unknown> | undefined,
    node: FieldNode,
  ): number | null {
    let n: number | null = null;
    for (const name of LIST_SIZE_ARGUMENTS) {
      const given = node.arguments?.find((a) => a.name.value === name);
      const declared = field?.args.find((a) => a.name === name);
      if (!given && !declared) continue;
      const value = given
        ? intValue(given.value, this.variables, this.operation)
        : (declared?.defaultValue as number | undefined);
      if (field && typeof value === 'number' && sizeOutOfRange(coordinate, name, value)) return 0;
      n = (n ?? 1) * (typeof value === 'number' && Number.isFinite(value) && value > 1 ? value : 1);
    }
    return n;
  }

  /** A named fragment spread at `depth`: measured the first time, its size reused after. */
  private spread(name: string, depth: number, sizedAbove: boolean): OperationSize {
    const key = `${name}|${sizedAbove}|${this.sizes !== null}`;
    let size = this.measured.get(key);
    if (!size) {
      if (this.measuring.has(name)) return { depth, fields: 0, cost: 0, scans: [], introspection: NOTHING };
      const fragment = this.fragments.get(name);
      const on = fragment ? this.schema.getType(fragment.typeCondition.name.value) : undefined;
      this.measuring.add(name);
      size = this.set(fragment?.selectionSet, on ?? undefined, 0, sizedAbove);
      this.measuring.delete(name);
      this.measured.set(key, size);
    }
    return { ...size, depth: depth + size.depth };
  }

  /** `sizedAbove`: the field selecting this set had a list-size argument, which its lists already count. */
  set(
    set: SelectionSetNode | undefined,
    type: GraphQLNamedType | undefined,
    depth: number,
    sizedAbove = false,
  ): OperationSize {
    let deepest = depth;
    let fields = 0;
    let cost = 0;
    let scans: readonly string[] = [];
    let introspection = NOTHING;
    const add = (more: Introspection) => {
      if (more !== NOTHING)
        introspection = {
          depth: Math.max(introspection.depth, more.depth),
          cost: introspection.cost + more.cost,
        };
    };
    for (const selection of set?.selections ?? []) {
      const meta = selection.kind === Kind.FIELD ? META_FIELDS.get(selection.name.value) : undefined;
      if (selection.kind === Kind.FIELD && meta) {
        add(this.meta(selection, meta));
        continue;
      }
      let inner: OperationSize;
      if (selection.kind === Kind.FIELD) {
        const field =
          type && (isObjectType(type) || isInterfaceType(type))
            ? type.getFields()[selection.name.value]
            : undefined;
        const coordinate = `${type?.name}.${selection.name.value}`;
        const size = this.sized(coordinate, field, selection);
        const list = field ? isListType(getNullableType(field.type)) : false;
        const multiplier = this.sizes
          ? list
            ? (this.sizes.get(selection.name.value) ?? UNSIZED_LIST)
            : 1
          : (size ?? (list && !sizedAbove ? UNSIZED_LIST : 1));
        inner = this.set(
          selection.selectionSet,
          field ? getNamedType(field.type) : undefined,
          depth + 1,
          size !== null,
        );
        // A size out of its range: refused before the scan, which is never made.
        const scan = field !== undefined && !this.sizes && size !== 0 && this.scans(coordinate, selection);
        if (scan) scans = bothScans(scans, [coordinate]);
        fields += 1 + inner.fields;
        cost += (scan ? WHOLE_SCAN_COST : 1) + multiplier * inner.cost;
      } else {
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const on = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : type;
          inner = this.set(selection.selectionSet, on ?? undefined, depth, sizedAbove);
        } else {
          inner = this.spread(selection.name.value, depth, sizedAbove);
        }
        fields += inner.fields;
        cost += inner.cost;
      }
      deepest = Math.max(deepest, inner.depth);
      scans = bothScans(scans, inner.scans);
      add(inner.introspection);
    }
    return { depth: deepest, fields, cost, scans, introspection };
  }
}

/** The document's fragments by name (for the checks that follow spreads). */
export function fragmentsByName(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

/** The depth, field count and cost of one operation of a (valid) document. */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables?: Variables,
): OperationSize {
  const root = schema.getRootType(operation.operation) ?? undefined;
  return new Measure(schema, fragmentsByName(document), operation, variables).operationSize(
    root,
    operation.selectionSet,
  );
}

const fullIntrospectionCosts = new WeakMap<GraphQLSchema, number>();

/** What the fullest introspection query graphql-js writes (the one tools send) costs on this schema. */
export function costOfFullIntrospection(schema: GraphQLSchema): number {
  let cost = fullIntrospectionCosts.get(schema);
  if (cost === undefined) {
    const document = parse(
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      }),
    );
    const operation = getOperationAST(document);
    cost = operation ? measureOperation(schema, document, operation).introspection.cost : 0;
    fullIntrospectionCosts.set(schema, cost);
  }
  return cost;
}

function tooComplex(message: string, node: ASTNode, field?: string): GraphQLError {
  return new GraphQLError(message, {
    nodes: [node],
    // Over HTTP the answer is 400, like any request the client must change (Apollo drops `http`).
    extensions: { code: 'QUERY_TOO_COMPLEX', ...(field ? { field } : {}), http: { status: 400 } },
  });
}

/**
 * The first field of the document given an alias longer than MAX_ALIAS_LENGTH, if any: in the
 * order of the text, every operation and fragment, whether or not the operation run spreads it.
 * A walk of the selection sets alone (fields are nowhere else), not graphql-js' `visit` of every
 * node: this runs for every request, and `visit` cost the gateway twice the measuring below.
 */
export function tooLongAlias(document: DocumentNode): FieldNode | undefined {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION && definition.kind !== Kind.FRAGMENT_DEFINITION)
      continue;
    const found = tooLongAliasIn(definition.selectionSet);
    if (found) return found;
  }
  return undefined;
}

function tooLongAliasIn(set: SelectionSetNode | undefined): FieldNode | undefined {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) continue;
    if (selection.kind === Kind.FIELD && (selection.alias?.value.length ?? 0) > MAX_ALIAS_LENGTH)
      return selection;
    const found = tooLongAliasIn(selection.selectionSet);
    if (found) return found;
  }
  return undefined;
}

/**
 * Why the operation is refused (QUERY_TOO_COMPLEX): a field given an alias longer than
 * MAX_ALIAS_LENGTH (naming it, as extensions.field), nested deeper than MAX_DEPTH, selecting more
 * than MAX_FIELDS fields, or costing more than MAX_COST (naming the first field that reads a whole
 * index, as extensions.field, when it has any); empty when it is within the limits.
 */
export function operationLimitErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables?: Variables,
): GraphQLError[] {
  const operation = getOperationAST(document, operationName);
  if (!operation) return [];
  const aliased = tooLongAlias(document);
  if (aliased?.alias) {
    const alias = aliased.alias.value;
    return [
      tooComplex(
        // formatError cuts the alias to its start and its length: `"aaaa…" (50000 characters)`.
        `the alias "${alias}" is over ${MAX_ALIAS_LENGTH} characters, the most allowed: the answer repeats an alias once for each item of the lists above it, so give a shorter one`,
        aliased,
        alias,
      ),
    ];
  }
  const { depth, fields, cost, scans, introspection } = measureOperation(
    schema,
    document,
    operation,
    variables,
  );
  if (introspection.depth > MAX_INTROSPECTION_DEPTH)
    return [
      tooComplex(
        `the introspection is nested ${introspection.depth} levels deep below __schema or __type; at most ${MAX_INTROSPECTION_DEPTH} are allowed`,
        operation,
      ),
    ];
  const introspectionBudget = INTROSPECTION_BUDGET_FACTOR * costOfFullIntrospection(schema);
  if (introspection.cost > introspectionBudget)
    return [
      tooComplex(
        `the introspection costs ${introspection.cost}; at most ${introspectionBudget} is allowed (${INTROSPECTION_BUDGET_FACTOR} times a full introspection of this schema, each list counted at the most it holds): ask for less, or for the schema once`,
        operation,
      ),
    ];
  if (depth > MAX_DEPTH)
    return [
      tooComplex(`the query is nested ${depth} levels deep; at most ${MAX_DEPTH} are allowed`, operation),
    ];
  if (fields > MAX_FIELDS)
    return [tooComplex(`the query selects ${fields} fields; at most ${MAX_FIELDS} are allowed`, operation)];
  if (cost > MAX_COST && scans.length > 0) {
    const reads = scans.map((s) => WHOLE_SCANS.get(s)?.reads ?? s).join('; ');
    const names = scans.map((s) => s.slice(s.indexOf('.') + 1));
    return [
      tooComplex(
        `the query costs ${cost}; at most ${MAX_COST} is allowed, and each call that reads a whole list costs ${WHOLE_SCAN_COST} (${reads}): call ${names.join(' and ')} that way fewer times, or ask for fewer items or fields`,
        operation,
        names[0],
      ),
    ];
  }
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
