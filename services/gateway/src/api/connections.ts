import { Type } from '@nestjs/common';
import { ArgsType, Field, Int, ObjectType } from '@nestjs/graphql';
import { apiError } from './errors';

export const MAX_PAGE = 100;

@ObjectType({ description: 'Where a page of a connection sits (Relay cursor connections).' })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;
  @Field({ nullable: true, description: 'Pass it as `after` for the next page.' })
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
export function Connection<T>(node: Type<T>, name: string): Type<Page<T>> {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor!: string;
    @Field(() => node)
    node!: T;
  }
  @ObjectType(`${name}Connection`, { description: `A page of ${name} items, newest first.` })
  class ConnectionType {
    @Field(() => [Edge])
    edges!: Edge[];
    @Field(() => PageInfo)
    pageInfo!: PageInfo;
    @Field(() => Int)
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

/**
 * The slice to read for a page, newest first, of a list kept oldest first (a Redis list or a
 * sorted set by time): absolute positions [from, to] (to inclusive), read and reversed. A
 * cursor is an absolute position, so pages stay put while new items arrive at the end.
 */
export function newestFirst(args: PageArgs, total: number): { from: number; to: number } {
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE)
    throw apiError('BAD_USER_INPUT', `first must be 1 to ${MAX_PAGE}`, 'first');
  const to = (args.after ? Math.min(decode(args.after), total) : total) - 1;
  return { from: Math.max(0, to - args.first + 1), to };
}

/** The page of items read at absolute positions [from, to], given oldest first. */
export function page<T>(oldestFirst: T[], from: number, total: number): Page<T> {
  const edges = oldestFirst.map((node, i) => ({ cursor: encode(from + i), node })).reverse();
  const last = edges[edges.length - 1];
  return {
    edges,
    totalCount: total,
    pageInfo: { hasNextPage: from > 0 && edges.length > 0, ...(last ? { endCursor: last.cursor } : {}) },
  };
}

/** Reads a page of a Redis list or sorted set (oldest first) with `read(from, to)`. */
export async function readPage<T>(
  args: PageArgs,
  total: number,
  read: (from: number, to: number) => Promise<T[]>,
): Promise<Page<T>> {
  const { from, to } = newestFirst(args, total);
  if (to < from) return page([], 0, total);
  return page(await read(from, to), from, total);
}
