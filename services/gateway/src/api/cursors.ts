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

/** Ids are far shorter: a longer member is not one this API gave out. */
const MAX_MEMBER = 1024;
const CURSOR = new RegExp(`^(?:i:(\\d{1,9})|m:(\\d{1,9}):([^]{1,${MAX_MEMBER}}))$`);

/** Opaque to clients: base64url of `i:<position>` or `m:<position>:<member>` (any characters). */
export function encodeCursor({ position, member }: Cursor): string {
  return Buffer.from(member === undefined ? `i:${position}` : `m:${position}:${member}`).toString(
    'base64url',
  );
}

/** The cursor given as `after` (`i:<n>` ones from before members were kept still read as positions). */
export function decodeCursor(after: string): Cursor {
  const text = Buffer.from(after, 'base64url').toString();
  // Buffer reads any string as base64url, skipping what is not: only what encodeCursor writes.
  const m = Buffer.from(text).toString('base64url') === after ? CURSOR.exec(text) : null;
  if (!m) throw apiError('BAD_USER_INPUT', 'after is not a cursor this API gave out', 'after');
  const [, position, memberPosition, member] = m;
  return member === undefined ? { position: Number(position) } : { position: Number(memberPosition), member };
}
