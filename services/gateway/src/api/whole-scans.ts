/**
 * The fields that read a whole index on each call, with the arguments that make them do it: the
 * cost model (limits.ts) counts each such call at WHOLE_SCAN_COST, and the resolvers ask the same
 * predicates whether to scan, so the two cannot disagree. Without it, 150 aliases of `nodes(filter:
 * …, first: 1) { totalCount }` cost 300 and made 150 scans of every node (three Redis commands a
 * node) on the Redis every service shares.
 */

/** What one call that reads a whole index costs: a quarter of MAX_COST, so at most three fit a request. */
export const WHOLE_SCAN_COST = 2_500;

/** A filter as written in a document or given as a variable: anything, until it is validated. */
type Filter = unknown;

const field = (filter: Filter, name: string): unknown =>
  typeof filter === 'object' && filter !== null ? (filter as Record<string, unknown>)[name] : undefined;

/** Whether `nodes(filter)` reads every node: any filter but an empty one (there is no index by them). */
export function nodesFilterScans(filter: Filter): boolean {
  return Boolean(
    field(filter, 'marketId') || field(filter, 'status') || field(filter, 'minTflops') !== undefined,
  );
}

/**
 * Whether `myOrders(filter)` reads every order of the account of a status or liveness (its index,
 * or the one the rest of the filter names), checking each.
 */
export function ordersFilterScans(filter: Filter): boolean {
  return Boolean(field(filter, 'status')) || typeof field(filter, 'live') === 'boolean';
}

export interface WholeScan {
  /** Whether a call with these argument values (as written, variables in place) reads a whole index. */
  scans(args: Record<string, unknown>): boolean;
  /** What it reads, for the message that refuses too many of them. */
  reads: string;
}

/** The fields that can read a whole index, by `Type.field`. */
export const WHOLE_SCANS: ReadonlyMap<string, WholeScan> = new Map([
  [
    'Query.nodes',
    { scans: (args) => nodesFilterScans(args['filter']), reads: 'nodes with a filter reads every node' },
  ],
  [
    'Query.myOrders',
    {
      scans: (args) => ordersFilterScans(args['filter']),
      reads: 'myOrders with a status or live reads every order of yours of that status',
    },
  ],
]);
