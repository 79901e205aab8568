import { apiError } from './errors';

/**
 * Where a page ended: the position of its last item and, for a sorted set, that item itself (its
 * member). Sorted sets are scored by times that come from other partitions, so an item can be
 * inserted before the last one seen: the next page continues just past where that item stands
 * now, and from its old position only when it is gone. A list only ever appended to (a ledger, a
 * trade log) needs the position alone.
 */
export interface Cursor {
  position: number;
  member?: string;
}

/**
 * Every connection field, and what `of` names where the field lists many (a market's trades, an
 * account's orders): a cursor is only for the list that gave it out.
 */
const LIST_FIELDS = {
  markets: undefined,
  nodes: undefined,
  myNodes: 'account',
  myOrders: 'account or filter',
  myFills: 'account or order',
  myLeases: 'account',
  'Account.ledger': 'account',
  'Market.trades': 'market',
  'GpuNode.certifications': 'node',
} as const;

export type ListField = keyof typeof LIST_FIELDS;

/** The list a cursor is given out by and for: a connection field, and whose list of it (`of`). */
export interface CursorList {
  field: ListField;
  /** The market, node or account whose list it is, where the field lists many. */
  of?: string;
}

/**
 * What a list holds: `positions` (a list only ever appended to, paged by position) or `members`
 * (a sorted set, paged by member).
 */
export type CursorShape = 'positions' | 'members';

/** A cursor read for its list; `legacy` when it was given out before cursors named their list. */
export interface ReadCursor extends Cursor {
  legacy?: true;
}

/** Ids are far shorter: a longer member is not one this API gave out. */
const MAX_MEMBER = 1024;
const MAX_POSITION = 999_999_999;
/** What cursors were before they named their list: `i:<position>` and `m:<position>:<member>`. */
const LEGACY = new RegExp(`^(?:i:(\\d{1,9})|m:(\\d{1,9}):([^]{1,${MAX_MEMBER}}))$`);

const isListField = (field: unknown): field is ListField =>
  typeof field === 'string' && Object.prototype.hasOwnProperty.call(LIST_FIELDS, field);

/**
 * Opaque to clients: base64url of the JSON `[field, of, position]`, or `[field, of, position,
 * member]` for a sorted set (`of` '' where the field lists one list).
 */
export function encodeCursor(list: CursorList, { position, member }: Cursor): string {
  const parts: (string | number)[] = [list.field, list.of ?? '', position];
  if (member !== undefined) parts.push(member);
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

const notOurs = () => apiError('BAD_USER_INPUT', 'after is not a cursor this API gave out', 'after');

/** A cursor that another list gave out (`field`, where the cursor says): never read as this list's. */
export function anotherListsCursor(list: CursorList, field?: ListField) {
  const which =
    field === undefined
      ? ''
      : field === list.field
        ? ` (${field} of another ${LIST_FIELDS[field] ?? 'parent'})`
        : ` (${field})`;
  return apiError(
    'BAD_USER_INPUT',
    `after was given out by another list${which}, not by this one: pass the endCursor of a page of this list`,
    'after',
  );
}

/** What a cursor's text says, when it is one encodeCursor writes. */
function parse(text: string): { field: ListField; of: string; cursor: Cursor } | null {
  let parts: unknown;
  try {
    parts = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parts) || (parts.length !== 3 && parts.length !== 4)) return null;
  const [field, of, position, member] = parts as unknown[];
  if (!isListField(field) || typeof of !== 'string' || of.length > MAX_MEMBER) return null;
  if (!Number.isInteger(position) || (position as number) < 0 || (position as number) > MAX_POSITION)
    return null;
  if (parts.length === 4 && (typeof member !== 'string' || member.length < 1 || member.length > MAX_MEMBER))
    return null;
  // Only what encodeCursor writes (no spaces, no other spelling of the same JSON).
  if (JSON.stringify(parts) !== text) return null;
  return {
    field,
    of,
    cursor:
      parts.length === 4
        ? { position: position as number, member: member as string }
        : { position: position as number },
  };
}

/**
 * The cursor given as `after` to `list`, which holds `shape`. One this API never gave out is
 * refused BAD_USER_INPUT naming after, and so is one another list gave out (another field, or the
 * same field of another market, node or account), saying so.
 *
 * Cursors given out before they named their list are read where their shape fits: `i:<n>` by a
 * list of positions (which of those gave it out cannot be told), `m:<n>:<member>` by a sorted set,
 * marked `legacy`: the caller reads it only if the member is in its set (else another list gave it
 * out), and refuses it with anotherListsCursor.
 */
export function decodeCursor(after: string, list: CursorList, shape: CursorShape): ReadCursor {
  const text = Buffer.from(after, 'base64url').toString();
  // Buffer reads any string as base64url, skipping what is not: only what encodeCursor writes.
  if (Buffer.from(text).toString('base64url') !== after) throw notOurs();
  const legacy = LEGACY.exec(text);
  if (legacy) {
    const [, position, memberPosition, member] = legacy;
    if (member === undefined) {
      if (shape !== 'positions') throw anotherListsCursor(list);
      return { position: Number(position) };
    }
    if (shape !== 'members') throw anotherListsCursor(list);
    return { position: Number(memberPosition), member, legacy: true };
  }
  const parsed = parse(text);
  if (!parsed) throw notOurs();
  if (parsed.field !== list.field || parsed.of !== (list.of ?? ''))
    throw anotherListsCursor(list, parsed.field);
  // This list gives out cursors of its own shape only.
  if ((parsed.cursor.member !== undefined) !== (shape === 'members')) throw notOurs();
  return parsed.cursor;
}
