import { createHash } from 'node:crypto';

/**
 * Idempotency with Stripe's semantics. A client's key means something only for one caller and one
 * operation: the key that is remembered is scoped to both, and it is remembered with the
 * fingerprint of the request it was first used for. The same request with the same key is a retry
 * (its first outcome stands); another request with a key already used is refused; a key older than
 * the window (or evicted by the cap) is forgotten, and a request with it is a new request.
 */

/**
 * The key as remembered: the caller (an account, the admin, a worker's node), the command type and
 * the client's key, hashed so any key fits the envelope's header limit.
 */
export function scopedKey(scope: string, commandType: string, key: string): string {
  return `idem-${createHash('sha256')
    .update(JSON.stringify([scope, commandType, key]))
    .digest('hex')}`;
}

/** A remembered key: when its first outcome was recorded (ms), and what request it was for. */
export interface RememberedKey {
  at: number;
  /** Unknown for keys remembered before fingerprints were: any request with them is a retry. */
  fingerprint?: string;
}

export type KeyUse = 'new' | 'retry' | 'reused';

/** What a request with a key is, given what is remembered of the key. */
export function keyUse(
  remembered: RememberedKey | undefined,
  fingerprint: string,
  now: number,
  windowMs: number,
): KeyUse {
  if (!remembered || remembered.at < now - windowMs) return 'new';
  return remembered.fingerprint === undefined || remembered.fingerprint === fingerprint ? 'retry' : 'reused';
}

/**
 * Forgets keys older than the window, then the oldest beyond `maxKeys` (the map's insertion order is
 * the order outcomes were recorded in), so a partition's state and snapshot stay bounded.
 * Returns how many keys were forgotten. It stops at the first key still within the window: a
 * worker prunes after every transaction once at the cap, and scanning the whole map each time was
 * measured at about 1 % of settlement's CPU. An expired key behind a younger one (a clock that
 * stepped back) is forgotten once the keys before it are; until then keyUse treats it as new.
 */
export function pruneKeys(
  keys: Map<string, RememberedKey>,
  now: number,
  windowMs: number,
  maxKeys: number,
): number {
  const before = keys.size;
  const horizon = now - windowMs;
  for (const [k, { at }] of keys) {
    if (at >= horizon) break;
    keys.delete(k);
  }
  let excess = keys.size - maxKeys;
  for (const k of keys.keys()) {
    if (excess-- <= 0) break;
    keys.delete(k);
  }
  return before - keys.size;
}
