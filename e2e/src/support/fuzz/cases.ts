// Schema-driven hostile cases (issue 11): for every field of Query, Mutation and Subscription,
// a baseline call built from the schema's argument types, then one case per hostile value of each
// argument (and of each field of an input object; the values are in hostile-values.ts), missing
// required input fields and unknown ones. Pure: it builds requests, it sends nothing.
import {
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLObjectType,
  GraphQLOutputType,
  GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { hostileValues } from './hostile-values';

export type OperationKind = 'query' | 'mutation' | 'subscription';

export interface FuzzCase {
  kind: OperationKind;
  field: string;
  /** Which argument (or `arg.inputField`) holds the hostile value, and what it is. */
  at: string;
  what: string;
  query: string;
  variables: Record<string, unknown>;
}

/** Values a well-meaning client would send for an argument of this name, where the type alone is not enough. */
export interface Baselines {
  ids: Record<string, string>;
  strings: Record<string, string>;
  numbers: Record<string, number>;
  /** A fresh unique string, for idempotency keys and client order ids. */
  unique: () => string;
}

const UNIQUE_NAMES = new Set(['idempotencyKey', 'clientOrderId']);

/** A valid-looking value of a type, by the argument's name where it matters. */
export function baselineOf(type: GraphQLInputType, name: string, b: Baselines): unknown {
  if (isNonNullType(type)) return baselineOf(type.ofType, name, b);
  if (isListType(type)) return [baselineOf(type.ofType, name, b)];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields()))
      if (isNonNullType(f.type) || f.name in b.ids || f.name in b.strings || UNIQUE_NAMES.has(f.name))
        out[f.name] = baselineOf(f.type, f.name, b);
    return out;
  }
  if (UNIQUE_NAMES.has(name)) return b.unique();
  switch (type.name) {
    case 'ID':
      return b.ids[name] ?? 'fuzz-id';
    case 'String':
      return b.strings[name] ?? b.ids[name] ?? 'fuzz';
    case 'Int':
    case 'SafeInt':
    case 'Float':
      return b.numbers[name] ?? 1;
    case 'Boolean':
      return false;
    case 'JSON':
      return {};
    case 'Usd':
      return b.strings[name] ?? '1.00';
    case 'DateTime':
      return '2026-11-30T12:00:00.000Z';
    default:
      return 'fuzz';
  }
}

/** The leaf fields of an output type worth reading back (no arguments needed), or __typename. */
export function selectionOf(type: GraphQLOutputType, depth = 1): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named)) return '{ __typename }';
  const parts: string[] = [];
  for (const f of Object.values(named.getFields())) {
    if (f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const fieldNamed = getNamedType(f.type);
    if (isLeafType(fieldNamed)) parts.push(f.name);
    else if (depth > 0 && isObjectType(fieldNamed)) parts.push(`${f.name} ${selectionOf(f.type, depth - 1)}`);
  }
  return `{ __typename ${parts.join(' ')} }`;
}

function typeText(type: GraphQLInputType): string {
  return String(type);
}

function operation(kind: OperationKind, field: GraphQLField<unknown, unknown>): string {
  const vars = field.args.map((a) => `$${a.name}: ${typeText(a.type)}`).join(', ');
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `${kind}${vars ? `(${vars})` : ''} { ${field.name}${args ? `(${args})` : ''} ${selectionOf(field.type)} }`;
}

/** Every hostile case of one field: its baseline, then one value changed at a time. */
export function casesOfField(
  kind: OperationKind,
  field: GraphQLField<unknown, unknown>,
  b: Baselines,
): FuzzCase[] {
  const query = operation(kind, field);
  const base = () => Object.fromEntries(field.args.map((a) => [a.name, baselineOf(a.type, a.name, b)]));
  const cases: FuzzCase[] = [
    { kind, field: field.name, at: '-', what: 'baseline', query, variables: base() },
  ];
  const argCases = (arg: GraphQLArgument) => {
    for (const { what, value } of hostileValues(arg.type))
      cases.push({
        kind,
        field: field.name,
        at: arg.name,
        what,
        query,
        variables: { ...base(), [arg.name]: value },
      });
    const inner = isNonNullType(arg.type) ? arg.type.ofType : arg.type;
    if (!isInputObjectType(inner)) return;
    for (const f of Object.values(inner.getFields())) {
      for (const { what, value } of hostileValues(f.type)) {
        const variables = base();
        variables[arg.name] = { ...(variables[arg.name] as object), [f.name]: value };
        cases.push({ kind, field: field.name, at: `${arg.name}.${f.name}`, what, query, variables });
      }
      if (isNonNullType(f.type)) {
        const variables = base();
        const { [f.name]: _dropped, ...rest } = variables[arg.name] as Record<string, unknown>;
        variables[arg.name] = rest;
        cases.push({
          kind,
          field: field.name,
          at: `${arg.name}.${f.name}`,
          what: 'missing',
          query,
          variables,
        });
      }
    }
    const variables = base();
    variables[arg.name] = { ...(variables[arg.name] as object), notAField: 1 };
    cases.push({ kind, field: field.name, at: arg.name, what: 'unknown input field', query, variables });
  };
  field.args.forEach(argCases);
  // The same field with a literal of the wrong type written into the document.
  if (field.args.length > 0) {
    const a = field.args[0]!;
    cases.push({
      kind,
      field: field.name,
      at: a.name,
      what: 'inline literal of the wrong type',
      query: `${kind} { ${field.name}(${a.name}: { bogus: [1, "two", null] }) ${selectionOf(field.type)} }`,
      variables: {},
    });
  }
  return cases;
}

/** Every case of every root field of the schema, by operation kind. */
export function casesOfSchema(schema: GraphQLSchema, b: Baselines): FuzzCase[] {
  const roots: [OperationKind, GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, root]) =>
    root ? Object.values(root.getFields()).flatMap((f) => casesOfField(kind, f, b)) : [],
  );
}
