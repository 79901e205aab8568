import {
  DirectiveNode,
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLError,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  parse,
} from 'graphql';

const CONDITIONAL = new Set(['skip', 'include']);

/**
 * A subscription's root field may not be skipped or included conditionally (`@skip`, `@include`
 * on it, or on a fragment that holds it), as the GraphQL specification's "Single Root Field" rule
 * now says. graphql-js 16 does not check it: with a literal condition the subscription was refused
 * INTERNAL_SERVER_ERROR when it started (no root field left to subscribe to), and with a variable
 * its validation threw (HTTP 500). Checked before graphql-js validates the document, so it is the
 * caller's GRAPHQL_VALIDATION_FAILED naming the field, over graphql-ws (subscriptions.ts) and HTTP
 * (subscriptionRootTextError) alike.
 */
export function subscriptionRootErrors(document: DocumentNode): GraphQLError[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const errors: GraphQLError[] = [];
  for (const d of document.definitions)
    if (d.kind === Kind.OPERATION_DEFINITION && d.operation === 'subscription')
      errors.push(...conditionalRoots(d, fragments));
  return errors;
}

function conditionalRoots(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): GraphQLError[] {
  const errors: GraphQLError[] = [];
  const seen = new Set<string>();
  const name = operation.name ? `subscription ${operation.name.value}` : 'a subscription';
  const walk = (set: SelectionSetNode, under: string | undefined) => {
    for (const selection of set.selections) {
      const conditional = selection.directives?.filter((d) => CONDITIONAL.has(d.name.value)) ?? [];
      let field = under;
      if (selection.kind === Kind.FIELD) field ??= selection.name.value;
      if (conditional.length) errors.push(refusal(name, conditional, field ?? firstField(selection)));
      if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, under);
      else if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet, under);
      }
    }
  };
  walk(operation.selectionSet, undefined);
  return errors;

  /** The first field a fragment selects, to name the field at fault. */
  function firstField(selection: SelectionSetNode['selections'][number]): string | undefined {
    const set =
      selection.kind === Kind.INLINE_FRAGMENT
        ? selection.selectionSet
        : selection.kind === Kind.FRAGMENT_SPREAD
          ? fragments.get(selection.name.value)?.selectionSet
          : undefined;
    const first = set?.selections[0];
    return first?.kind === Kind.FIELD ? first.name.value : undefined;
  }
}

function refusal(name: string, directives: DirectiveNode[], field: string | undefined): GraphQLError {
  const which = directives.map((d) => `@${d.name.value}`).join(' and ');
  return new GraphQLError(
    `${name} must not use ${which} on its root field: a subscription subscribes to exactly one field, so send it without ${which}, or do not send it`,
    {
      nodes: directives,
      extensions: {
        code: 'GRAPHQL_VALIDATION_FAILED',
        ...(field ? { field } : {}),
      },
    },
  );
}

/**
 * The same check on a document's text, for HTTP (an Express middleware before Apollo, nesting.ts:
 * an Apollo plugin cannot refuse a request before it is validated, its error there is a 500):
 * parsed only when it may hold both a subscription and a condition, so other requests cost a scan;
 * a text that does not parse is left to Apollo, which says why.
 */
export function subscriptionRootTextError(source: string): GraphQLError | undefined {
  // Names alone: GraphQL lets whitespace, commas and comments stand between `@` and the name.
  if (!source.includes('subscription') || !/skip|include/.test(source)) return undefined;
  let document: DocumentNode;
  try {
    document = parse(source);
  } catch {
    return undefined;
  }
  return subscriptionRootErrors(document)[0];
}
