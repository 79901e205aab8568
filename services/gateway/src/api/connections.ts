import { Type } from '@nestjs/common';
import { ArgsType, Field, Int, ObjectType } from '@nestjs/graphql';
import type { GraphQLScalarType } from 'graphql';
import { apiError } from './errors';

export const MAX_PAGE = 100;

@ObjectType({
  description:
    "Where a page of a connection sits (Relay cursor connections). Pages go forward (first, after) in the connection's order; a cursor is a position in the whole list, so a page stays put while items are added.",
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
  @Field({ nullable: true, description: 'The endCursor of the previous page.' })
  after?: string;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** A connection type for a node type: edges with cursors, pageInfo, totalCount. */
export function Connection<T>(
  node: Type<T> | GraphQLScalarType,
  name: string,
  order = 'newest first',
): Type<Page<T>> {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor!: string;
    @Field(() => node)
    node!: T;
  }
  @ObjectType(`${name}Connection`, { description: `A page of ${name} items, ${order}.` })
  class ConnectionType {
    @Field(() => [Edge])
    edges!: Edge[];
    @Field(() => PageInfo)
    pageInfo!: PageInfo;
    @Field(() => Int, { description: 'How many items the whole list has (of the filter, if any).' })
    totalCount!: number;
  }
  return ConnectionType as Type<Page<T>>;
}

/** Cursors are opaque: the position in the list, base64. */
const encode = (i: number) => Buffer.from(`i:${i}`).toString('base64url');
function decode(cursor: string): number {
  const m = /^i:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw apiError('BAD_USER_INPUT', 'after is not a cursor this API gave out', 'after');
  return Number(m[1]);
}

function checkFirst(args: PageArgs): void {
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE)
    throw apiError('BAD_USER_INPUT', `first must be 1 to ${MAX_PAGE}`, 'first');
}

/**
 * The slice to read for a page, newest first, of a list kept oldest first (a Redis list or a
 * sorted set by time): absolute positions [from, to] (to inclusive), read and reversed. A
 * cursor is an absolute position, so pages stay put while new items arrive at the end.
 */
export function newestFirst(args: PageArgs, total: number): { from: number; to: number } {
  checkFirst(args);
  const to = (args.after ? Math.min(decode(args.after), total) : total) - 1;
  return { from: Math.max(0, to - args.first + 1), to };
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

/** The page, newest first, of the items read at absolute positions [from, to], given oldest first. */
export function page<T>(oldestFirst: T[], from: number, total: number): Page<T> {
  const edges = oldestFirst.map((node, i) => ({ cursor: encode(from + i), node })).reverse();
  return {
    edges,
    totalCount: total,
    // Newer items (higher positions) come before a newest-first page; older ones after it.
    pageInfo: pageInfo(edges, from > 0 && edges.length > 0, from + edges.length < total),
  };
}

/** Reads a page, newest first, of a Redis list or sorted set (oldest first) with `read(from, to)`. */
export async function readPage<T>(
  args: PageArgs,
  total: number,
  read: (from: number, to: number) => Promise<T[]>,
): Promise<Page<T>> {
  const { from, to } = newestFirst(args, total);
  if (to < from) return page([], Math.max(0, to + 1), total);
  return page(await read(from, to), from, total);
}

/**
 * A page of items at known absolute positions of a list kept oldest first (those a filter kept,
 * in order), oldest or newest first: the first `first` beyond the cursor. totalCount is how many
 * items were given.
 */
export function pageAt<T>(
  args: PageArgs,
  items: { position: number; node: T }[],
  order: 'oldest first' | 'newest first',
): Page<T> {
  checkFirst(args);
  const after = args.after ? decode(args.after) : undefined;
  const newest = order === 'newest first';
  const seq = newest ? [...items].reverse() : items;
  let start = 0;
  if (after !== undefined)
    while (start < seq.length && (newest ? seq[start]!.position >= after : seq[start]!.position <= after))
      start++;
  const edges = seq
    .slice(start, start + args.first)
    .map(({ position, node }) => ({ cursor: encode(position), node }));
  return {
    edges,
    totalCount: items.length,
    pageInfo: pageInfo(edges, start + edges.length < seq.length, start > 0),
  };
}

/**
 * The items of a list kept oldest first that `keep` keeps, with their positions, read 200 at a
 * time with `read(from, to)`: what pageAt pages through. It reads the whole list (no index).
 */
export async function keptOf<T>(
  total: number,
  read: (from: number, to: number) => Promise<(T | null)[]>,
  keep: (item: T) => boolean,
): Promise<{ position: number; node: T }[]> {
  const kept: { position: number; node: T }[] = [];
  for (let from = 0; from < total; from += 200) {
    (await read(from, Math.min(total, from + 200) - 1)).forEach((node, i) => {
      if (node !== null && keep(node)) kept.push({ position: from + i, node });
    });
  }
  return kept;
}

/**
 * Reads a page, oldest first, of a Redis list or sorted set (oldest first) of `total` items with
 * `read(from, to)` (to inclusive); an item read as null (gone since) is left out.
 */
export async function readPageOldestFirst<T>(
  args: PageArgs,
  total: number,
  read: (from: number, to: number) => Promise<(T | null)[]>,
): Promise<Page<T>> {
  checkFirst(args);
  const from = args.after ? decode(args.after) + 1 : 0;
  const to = Math.min(total, from + args.first) - 1;
  const nodes = to < from ? [] : await read(from, to);
  const edges = nodes.flatMap((node, i) => (node === null ? [] : [{ cursor: encode(from + i), node }]));
  return { edges, totalCount: total, pageInfo: pageInfo(edges, to + 1 < total, from > 0 && total > 0) };
}
