import { Type } from '@nestjs/common';
import { ArgsType, Field, Int, ObjectType } from '@nestjs/graphql';
import type { GraphQLScalarType } from 'graphql';
import type { Paged, RankedSet } from '@gpux/read-models';
import {
  anotherListsCursor,
  CursorList,
  CursorShape,
  decodeCursor,
  encodeCursor,
  ReadCursor,
} from './cursors';
import { apiError } from './errors';
import { MAX_PAGE, sizeOutOfRange, sizeRangeMessage } from './size-ranges';

export { MAX_PAGE };

@ObjectType({
  description:
    "Where a page of a connection sits (Relay cursor connections). Pages go forward (first, after) in the connection's order; a cursor names the item it is on, so the next page starts just past that item wherever items are added meanwhile, before it or after it.",
})
export class PageInfo {
  @Field({ description: 'Items follow this page: ask for them with after: endCursor.' })
  hasNextPage!: boolean;
  @Field({ description: 'Items come before this page (it was asked for with after).' })
  hasPreviousPage!: boolean;
  @Field({ nullable: true, description: "The first edge's cursor; null on an empty page." })
  startCursor?: string;
  @Field({
    nullable: true,
    description: "The last edge's cursor: pass it as `after` for the next page; null on an empty page.",
  })
  endCursor?: string;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 20, description: `How many, 1 to ${MAX_PAGE}.` })
  first!: number;
  @Field({
    nullable: true,
    description:
      'The endCursor of the previous page; leave it out (or null) for the first page. Any other value, "" among them, must be a cursor this connection gave out.',
  })
  after?: string;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/**
 * A connection type for a node type: edges with cursors, pageInfo, totalCount. `nodeDescription`
 * describes the edges' node, where its type does not say enough (an untyped JSON record).
 */
export function Connection<T>(
  node: Type<T> | GraphQLScalarType,
  name: string,
  order = 'newest first',
  nodeDescription?: string,
): Type<Page<T>> {
  @ObjectType(`${name}Edge`, {
    description: `One item of a page of ${name}Connection: the ${name} and its cursor.`,
  })
  class Edge {
    @Field({
      description:
        'Names this item in its list: pass it as `after` for the items that follow it. Opaque, and good only for the list that gave it out.',
    })
    cursor!: string;
    @Field(() => node, { description: nodeDescription ?? `The ${name}.` })
    node!: T;
  }
  @ObjectType(`${name}Connection`, { description: `A page of ${name} items, ${order}.` })
  class ConnectionType {
    @Field(() => [Edge], {
      description: `The page's items, ${order}, each with its cursor: at most as many as first asks for.`,
    })
    edges!: Edge[];
    @Field(() => PageInfo, {
      description: 'Where the page sits: whether more items follow, and the cursors to ask for them with.',
    })
    pageInfo!: PageInfo;
    @Field(() => Int, { description: 'How many items the whole list has (of the filter, if any).' })
    totalCount!: number;
  }
  return ConnectionType as Type<Page<T>>;
}

function checkFirst(args: PageArgs): void {
  if (sizeOutOfRange('', 'first', args.first))
    throw apiError('BAD_USER_INPUT', sizeRangeMessage('first', MAX_PAGE), 'first');
}

/**
 * The cursor `after` carries: none when it is left out or null (a nested connection's arguments
 * keep a null: NullAsAbsentInterceptor sees root fields only). Any string is a cursor to read, so
 * `""` is refused as no cursor this API gave out: read as falsy, it was taken for no cursor and
 * answered the first page, as if the client had not sent what it sent.
 */
function cursorGiven(args: PageArgs): string | undefined {
  const after: string | null | undefined = args.after;
  return after === undefined || after === null ? undefined : after;
}

/** The cursor `after` names in `list`, which holds `shape`; undefined when none is given. */
function afterCursor(args: PageArgs, list: CursorList, shape: CursorShape): ReadCursor | undefined {
  const after = cursorGiven(args);
  return after === undefined ? undefined : decodeCursor(after, list, shape);
}

/**
 * Refuses, before anything is read, page arguments a page of `list` (which holds `shape`) would
 * refuse: `first` out of its range, an `after` that is not this list's cursor. For a resolver that
 * reads much before it pages (a filter's scan, keptOf): it learns of a bad argument first.
 */
export function checkPageArgs(args: PageArgs, list: CursorList, shape: CursorShape): void {
  checkFirst(args);
  afterCursor(args, list, shape);
}

/** The position `after` names in `list`, one only ever appended to. */
const afterPosition = (args: PageArgs, list: CursorList): number | undefined =>
  afterCursor(args, list, 'positions')?.position;

/** A position cursor: for lists only ever appended to, where an item keeps its position. */
const at = (list: CursorList, position: number) => encodeCursor(list, { position });

/**
 * The slice to read for a page, newest first, of a list kept oldest first, the last item seen at
 * `after` (absolute positions, or none): [from, to] (to inclusive), read and reversed.
 */
function newestFirstSlice(args: PageArgs, total: number, after: number | undefined) {
  const to = (after === undefined ? total : Math.min(after, total)) - 1;
  return { from: Math.max(0, to - args.first + 1), to };
}

/** The slice to read for a page, oldest first, the last item seen at `after`: [from, to]. */
function oldestFirstSlice(args: PageArgs, total: number, after: number | undefined) {
  const from = after === undefined ? 0 : after + 1;
  return { from, to: Math.min(total, from + args.first) - 1 };
}

function pageInfo<T>(edges: Page<T>['edges'], hasNextPage: boolean, hasPreviousPage: boolean): PageInfo {
  const first = edges[0];
  const last = edges[edges.length - 1];
  return {
    hasNextPage,
    hasPreviousPage,
    ...(first ? { startCursor: first.cursor } : {}),
    ...(last ? { endCursor: last.cursor } : {}),
  };
}

/** The page of `list`, newest first, of the items read at absolute positions [from, to], given oldest first. */
export function page<T>(oldestFirst: T[], from: number, total: number, list: CursorList): Page<T> {
  const edges = oldestFirst.map((node, i) => ({ cursor: at(list, from + i), node })).reverse();
  return {
    edges,
    totalCount: total,
    // Newer items (higher positions) come before a newest-first page; older ones after it.
    pageInfo: pageInfo(edges, from > 0 && edges.length > 0, from + edges.length < total),
  };
}

/**
 * Reads a page, newest first, of a Redis list only ever appended to (oldest first) with
 * `read(from, to)`, at absolute positions: pages stay put while new items arrive at the end. A
 * sorted set is read with readSetPage. Its cursors are `list`'s: another list's cursor is refused
 * (cursors.ts).
 *
 * `count` is the list's length, or how to read it: read only once the arguments are found good,
 * so that a page refused reads nothing, as the cost model counts it (size-ranges.ts: 1). Read
 * first, a market's trades with `first: 0` read the trade log's length before the refusal: 97
 * aliases of them under 30 markets passed the cost check and made 2,910 reads (9,700 under 100),
 * twice what the same budget allows pages that are answered.
 */
export async function readPage<T>(
  args: PageArgs,
  count: number | (() => Promise<number>),
  read: (from: number, to: number) => Promise<T[]>,
  list: CursorList,
): Promise<Page<T>> {
  checkFirst(args);
  const after = afterPosition(args, list);
  const total = typeof count === 'number' ? count : await count();
  const { from, to } = newestFirstSlice(args, total, after);
  if (to < from) return page([], Math.max(0, to + 1), total, list);
  return page(await read(from, to), from, total, list);
}

export type Order = 'oldest first' | 'newest first';

/**
 * Where the item a member cursor names stands now (`rank`), or where it stood when it is gone. A
 * cursor given out before cursors named their list (`legacy`) is `list`'s only if its member is
 * in it: else another list gave it out.
 */
async function whereNow(
  after: ReadCursor,
  rank: (member: string) => Promise<number | null>,
  list: CursorList,
): Promise<number> {
  if (after.member === undefined) return after.position;
  const now = await rank(after.member);
  if (now === null && after.legacy) throw anotherListsCursor(list);
  return now ?? after.position;
}

/**
 * Reads a page of a sorted set kept oldest first (its members, scored by time), in `order`: the
 * members at the page's positions, read with `read` (null for one gone since: left out). A cursor
 * names its member, so the next page starts just past where that member stands now (one ZRANK),
 * wherever members were inserted meanwhile. Its cursors are `list`'s: another list's is refused.
 */
export async function readSetPage<T>(
  args: PageArgs,
  set: RankedSet,
  read: (members: string[]) => Promise<(T | null)[]>,
  order: Order,
  list: CursorList,
): Promise<Page<T>> {
  checkFirst(args);
  const after = afterCursor(args, list, 'members');
  const [total, position] = await Promise.all([set.count(), after && whereNow(after, set.rank, list)]);
  const newest = order === 'newest first';
  const { from, to } = (newest ? newestFirstSlice : oldestFirstSlice)(args, total, position);
  const members = to < from ? [] : await set.slice(from, to);
  const nodes = await read(members);
  const edges = members.flatMap((member, i) => {
    const node = nodes[i];
    return node === null || node === undefined
      ? []
      : [{ cursor: encodeCursor(list, { position: from + i, member }), node }];
  });
  if (newest) edges.reverse();
  return {
    edges,
    totalCount: total,
    // Newest first, newer items (higher positions) come before the page and older ones after it.
    pageInfo: newest
      ? pageInfo(edges, from > 0 && edges.length > 0, to + 1 < total)
      : pageInfo(edges, to + 1 < total, from > 0 && total > 0),
  };
}

/** An item a filter kept: its position in the list it was read from, its member there, itself. */
export interface Kept<T> {
  position: number;
  member: string;
  node: T;
}

/**
 * A page of items at known absolute positions of a list kept oldest first (those a filter kept,
 * in order), oldest or newest first: the first `first` beyond the cursor's item, which stands at
 * its kept position, else where `rank` finds it in the whole list (it no longer matches), else at
 * the position it had. totalCount is how many items were given. Its cursors are `list`'s.
 */
export async function pageAt<T>(
  args: PageArgs,
  items: Kept<T>[],
  order: Order,
  rank: (member: string) => Promise<number | null>,
  list: CursorList,
): Promise<Page<T>> {
  checkFirst(args);
  const cursor = afterCursor(args, list, 'members');
  const after =
    cursor &&
    (items.find((item) => cursor.member !== undefined && item.member === cursor.member)?.position ??
      (await whereNow(cursor, rank, list)));
  const newest = order === 'newest first';
  const seq = newest ? [...items].reverse() : items;
  const beyond = (item: Kept<T>) =>
    after === undefined || (newest ? item.position < after : item.position > after);
  const found = seq.findIndex(beyond);
  const start = found === -1 ? seq.length : found;
  const edges = seq
    .slice(start, start + args.first)
    .map(({ position, member, node }) => ({ cursor: encodeCursor(list, { position, member }), node }));
  return {
    edges,
    totalCount: items.length,
    pageInfo: pageInfo(edges, start + edges.length < seq.length, start > 0),
  };
}

/**
 * The items of a sorted set kept oldest first that `keep` keeps, with their positions and
 * members, read 200 at a time with `read(members)` (null for one gone): what pageAt pages through.
 * It reads the whole set (no index): the cost model counts such a field at WHOLE_SCAN_COST.
 */
export async function keptOf<T>(
  set: Paged<string>,
  read: (members: string[]) => Promise<(T | null)[]>,
  keep: (item: T) => boolean,
): Promise<Kept<T>[]> {
  const kept: Kept<T>[] = [];
  const total = await set.count();
  for (let from = 0; from < total; from += 200) {
    const members = await set.slice(from, Math.min(total, from + 200) - 1);
    const nodes = await read(members);
    members.forEach((member, i) => {
      const node = nodes[i];
      if (node !== null && node !== undefined && keep(node)) kept.push({ position: from + i, member, node });
    });
  }
  return kept;
}
