import type { GraphQLResolveInfo } from 'graphql';

/**
 * What identical calls within one execution of an operation share (aliases of the same filtered
 * list read it once), by `key`. Kept on `info.variableValues`, the object graphql-js builds anew
 * for each execution: the context will not do, as a WebSocket's is shared by every operation on
 * it, and a later operation would be answered with an earlier one's reads.
 */
const memos = new WeakMap<object, Map<string, Promise<unknown>>>();

export function memoised<T>(
  info: Pick<GraphQLResolveInfo, 'variableValues'>,
  key: string,
  compute: () => Promise<T>,
): Promise<T> {
  let memo = memos.get(info.variableValues);
  if (!memo) memos.set(info.variableValues, (memo = new Map()));
  let value = memo.get(key) as Promise<T> | undefined;
  if (!value) memo.set(key, (value = compute()));
  return value;
}
