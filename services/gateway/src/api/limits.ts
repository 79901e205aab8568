import { ASTVisitor, FieldNode, GraphQLError, Kind, SelectionSetNode, ValidationContext } from 'graphql';

export const MAX_DEPTH = 8;
export const MAX_FIELDS = 300;

function measure(set: SelectionSetNode | undefined, context: ValidationContext, depth: number, seen: Set<string>): { depth: number; fields: number } {
  if (!set) return { depth, fields: 0 };
  let deepest = depth;
  let fields = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const inner = measure((selection as FieldNode).selectionSet, context, depth + 1, seen);
      deepest = Math.max(deepest, inner.depth);
      fields += 1 + inner.fields;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const inner = measure(selection.selectionSet, context, depth, seen);
      deepest = Math.max(deepest, inner.depth);
      fields += inner.fields;
    } else {
      const name = selection.name.value;
      if (seen.has(name)) continue; // a cycle is invalid anyway; other rules report it
      const fragment = context.getFragment(name);
      const inner = measure(fragment?.selectionSet, context, depth, new Set([...seen, name]));
      deepest = Math.max(deepest, inner.depth);
      fields += inner.fields;
    }
  }
  return { depth: deepest, fields };
}

/** Refuses operations nested deeper than MAX_DEPTH or selecting more than MAX_FIELDS fields. */
export function complexityLimit(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      const { depth, fields } = measure(node.selectionSet, context, 0, new Set());
      if (depth > MAX_DEPTH) {
        context.reportError(new GraphQLError(`the query is nested ${depth} levels deep; at most ${MAX_DEPTH} are allowed`, { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX' } }));
      } else if (fields > MAX_FIELDS) {
        context.reportError(new GraphQLError(`the query selects ${fields} fields; at most ${MAX_FIELDS} are allowed`, { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX' } }));
      }
    },
  };
}
