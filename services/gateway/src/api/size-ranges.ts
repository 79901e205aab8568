/*
 * How many items a field may be asked for: the range of each argument that sizes a list (limits.ts'
 * LIST_SIZE_ARGUMENTS). The resolvers refuse a size out of its range (BAD_USER_INPUT naming the
 * argument) before they read anything, and the cost model reads the same ranges: a size out of its
 * range makes a field that reads nothing, so what it selects costs nothing. Counted at its value,
 * `first: 2147483647` was refused QUERY_TOO_COMPLEX (a cost of billions) before its resolver could
 * say that first is 1 to 100, and a client had no way to tell which number to change.
 */

/** A connection's page: `first`, on every connection (PageArgs). */
export const MAX_PAGE = 100;
/** A market's book: the levels of each side (`Market.book(depth)`). */
export const MAX_BOOK_DEPTH = 50;
/** A market's candles (`Market.candles(limit)`). */
export const CANDLE_LIMIT = 500;

/** The most each size argument allows, by `Type.field(argument)`; `first` is the same on every field. */
const MOST: ReadonlyMap<string, number> = new Map([
  ['Market.book(depth)', MAX_BOOK_DEPTH],
  ['Market.candles(limit)', CANDLE_LIMIT],
]);

/** The most `argument` of the field `coordinate` (`Type.field`) allows; undefined for an argument with no range. */
export function mostAllowed(coordinate: string, argument: string): number | undefined {
  return argument === 'first' ? MAX_PAGE : MOST.get(`${coordinate}(${argument})`);
}

/**
 * Whether `value` of `argument` of `coordinate` is one its resolver refuses: a size below 1 or
 * past the most allowed. False for an argument with no range.
 */
export function sizeOutOfRange(coordinate: string, argument: string, value: number): boolean {
  const most = mostAllowed(coordinate, argument);
  return most !== undefined && !(Number.isInteger(value) && value >= 1 && value <= most);
}

/** The refusal of a size out of its range, as each resolver words it. */
export const sizeRangeMessage = (argument: string, most: number): string =>
  `${argument} must be 1 to ${most}`;
