import type { Envelope } from '@gpux/contracts';

/**
 * The writes a projection makes for one event. A small closed set, so that the runner can apply
 * a whole batch of them with its checkpoint in one atomic Redis script, and so that a test can
 * apply them to an in-memory model to compute what Redis must hold.
 *
 * Blind writes only: a projection never reads Redis, so what it writes follows from the event
 * alone; hsetnx, hmax, hmin, zremWhenReached and zaddWhenReached are the conditional ones, decided inside the
 * script on what earlier events wrote. `requires` is no write: it orders the event after its
 * cause on another partition.
 */
export type RedisOp =
  | { op: 'set'; key: string; value: string }
  | { op: 'del'; key: string }
  | { op: 'incrby'; key: string; by: number }
  | { op: 'hset'; key: string; field: string; value: string }
  /** Sets the field only when it is absent (a candle's open: the first trade of the bucket). */
  | { op: 'hsetnx'; key: string; field: string; value: string }
  | { op: 'hdel'; key: string; field: string }
  | { op: 'hincrby'; key: string; field: string; by: number }
  /** Sets the field to `value` when it is absent or holds a smaller number (a candle's high). */
  | { op: 'hmax'; key: string; field: string; value: number }
  /** Sets the field to `value` when it is absent or holds a greater number (a candle's low). */
  | { op: 'hmin'; key: string; field: string; value: number }
  | { op: 'rpush'; key: string; value: string }
  | { op: 'zadd'; key: string; score: number; member: string }
  | { op: 'zrem'; key: string; member: string }
  /**
   * ZREMRANGEBYSCORE key -inf (below: the members scored below `below` go (a history kept for a
   * while: capacity's breaches of a node). A bound from the event, never from the clock, so that a
   * replay keeps what the first fold kept.
   */
  | { op: 'zremBelow'; key: string; below: number }
  /**
   * Removes `member` from the sorted set `key` once the numbers in the hash `hash`'s fields `sum`
   * add up to at least the number in its field `reaches` (an order leaves its account's live
   * orders once its filled and cancelled GPUs reach its GPUs). Decided inside the script, on the
   * hash as the writes before it in the batch left it; an absent or non-numeric field counts 0 in
   * `sum`, and an absent or non-numeric `reaches` removes nothing.
   */
  | {
      op: 'zremWhenReached';
      key: string;
      member: string;
      hash: string;
      sum: readonly string[];
      reaches: string;
    }
  /** Adds `member` at `score` to the sorted set `key` once the hash's `sum` reaches its `reaches`, as zremWhenReached removes. */
  | {
      op: 'zaddWhenReached';
      key: string;
      member: string;
      score: number;
      hash: string;
      sum: readonly string[];
      reaches: string;
    }
  /**
   * PEXPIREAT: the key goes at `at` (ms since the epoch, by Redis' clock), or at once if that time
   * is past. For what is needed only for a while (a command's outcome, for its idempotency window):
   * put after the key's writes. A time from the event, never from the clock, so that a replay of
   * the log expires each key when its first fold did.
   */
  | { op: 'pexpireat'; key: string; at: number }
  /**
   * PUBLISH `message` on the channel `key` (docs/architecture.md §4: subscriptions are fed from projection
   * updates). A channel is not a Redis key, but it is named under the projection's keyPrefix like
   * one, so everything a projection writes or announces is recognisably its own. The script
   * publishes only when the batch is applied (never for a refused re-delivery), after its writes,
   * and an identical channel and message of one script call once: a notice says "re-read",
   * and no reader can see the model between two events of one atomic batch anyway.
   * What a reset's refold replays (events below the log's end at the reset) is not published:
   * subscribers would hear history as news. `waiters`: a notice for those waiting on one thing (a
   * command's outcome), not news, published during a refold too: a command sent while Redis was
   * flushed is answered when its outcome is folded, not at its deadline.
   */
  | { op: 'publish'; key: string; message: string; waiters?: true }
  /**
   * Not a write: the event's cause. The event is applied only once the hash field `key` `field`
   * holds at least `atLeast`, i.e. once the event that caused it, on another partition, has been
   * applied (docs/architecture.md §4, "Causes on other partitions"). Partitions are folded
   * independently, so without it an effect can be applied a moment before its cause; with it the
   * runner applies the batch up to this event and folds the partition on from here once the
   * cause is in. The field must only grow (a running total, a version), and the cause must be
   * folded by the same projection: a refold after a flush (APPLY_LUA) and a new generation's build
   * (generation-build.ts) do not wait for the causes of the events below where the log ended when
   * they began, since their model is read only once every partition is folded that far.
   */
  | { op: 'requires'; key: string; field: string; atLeast: number };

/** Where an event sits in the log: what a reader waits for (read-your-writes). */
export interface LogPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** What the log says of an event beyond its envelope (its record's headers). */
export interface EventOrigin {
  /**
   * An outcome event's: the fingerprint of the request its command was (`FINGERPRINT_HEADER`), so a
   * key's outcome says what it answered. Absent for events written without one.
   */
  requestFingerprint?: string;
}

/**
 * A read model: a pure fold from events to Redis writes. Every key it writes starts with
 * `keyPrefix`, so a rebuild can clear exactly its keys.
 */
export interface Projection {
  name: string;
  /** The event topics it folds (names from the contracts' topic registry). */
  topics: string[];
  keyPrefix: string;
  /**
   * What the fold writes, named: change it whenever the fold changes what it writes for events
   * already in the log (a new key, a field computed otherwise). A model folded by another version
   * rebuilds itself beside the old one (docs/operations.md, "Rebuilding a read model"), so an
   * upgrade never leaves readers a model the new code did not fold. None: never rebuilt for it.
   */
  version?: string;
  /** The writes for one event (at `position` in the log); [] for events it does not care about. */
  apply(event: Envelope, position?: LogPosition, origin?: EventOrigin): RedisOp[];
}

/**
 * Several projections folded as one: one read of the log, one decode per event, and one atomic
 * write of all their changes with one checkpoint. Their key prefixes must share `keyPrefix`.
 */
export function combineProjections(name: string, keyPrefix: string, parts: Projection[]): Projection {
  const outside = parts.find((p) => !p.keyPrefix.startsWith(keyPrefix));
  if (outside)
    throw new Error(`projection ${outside.name} writes under ${outside.keyPrefix}, outside ${keyPrefix}`);
  const versions = parts.flatMap((p) => (p.version === undefined ? [] : [`${p.name}@${p.version}`]));
  return {
    name,
    keyPrefix,
    ...(versions.length > 0 ? { version: versions.join(' ') } : {}),
    topics: [...new Set(parts.flatMap((p) => p.topics))],
    apply: (event, position, origin) =>
      parts.flatMap((p) =>
        !position || p.topics.includes(position.topic) ? p.apply(event, position, origin) : [],
      ),
  };
}

export type Model = Map<string, string | Map<string, string> | string[]>;

/** A message published by a `publish` op, as `applyOps` reports it. */
export interface Published {
  channel: string;
  message: string;
}

/** A hash field as a number, the way Lua's tonumber reads it: absent or not a number is NaN. */
function numeric(value: string | undefined): number {
  return value === undefined || value.trim() === '' ? NaN : Number(value);
}

/**
 * Applies writes to an in-memory model with Redis' semantics: the reference for tests. Published
 * messages are not part of the model: they are appended to `published`, when given, one per op.
 */
export function applyOps(model: Model, ops: RedisOp[], published?: Published[]): Model {
  const hash = (key: string) => {
    let h = model.get(key);
    if (!(h instanceof Map)) model.set(key, (h = new Map()));
    return h;
  };
  const list = (key: string) => {
    let l = model.get(key);
    if (!Array.isArray(l)) model.set(key, (l = []));
    return l;
  };
  for (const o of ops) {
    switch (o.op) {
      case 'set':
        model.set(o.key, o.value);
        break;
      case 'del':
        model.delete(o.key);
        break;
      case 'incrby':
        model.set(o.key, String(BigInt(String(model.get(o.key) ?? 0)) + BigInt(o.by)));
        break;
      case 'hset':
        hash(o.key).set(o.field, o.value);
        break;
      case 'hsetnx': {
        const h = hash(o.key);
        if (!h.has(o.field)) h.set(o.field, o.value);
        break;
      }
      case 'hmax':
      case 'hmin': {
        const h = hash(o.key);
        const current = numeric(h.get(o.field));
        // A field that is absent or not a number is replaced, as the script does.
        const keep = o.op === 'hmax' ? current >= o.value : current <= o.value;
        if (!keep) h.set(o.field, String(o.value));
        break;
      }
      case 'hdel':
        hash(o.key).delete(o.field);
        break;
      case 'hincrby': {
        const h = hash(o.key);
        // Exact past 64 bits, as the script keeps such a sum (a decimal string).
        h.set(o.field, String(BigInt(h.get(o.field) ?? 0) + BigInt(o.by)));
        break;
      }
      case 'rpush':
        list(o.key).push(o.value);
        break;
      case 'zadd':
        // Sorted sets are modelled as hashes member -> score.
        hash(o.key).set(o.member, String(o.score));
        break;
      case 'zrem':
        hash(o.key).delete(o.member);
        break;
      case 'zremBelow': {
        const set = model.get(o.key);
        if (!(set instanceof Map)) break;
        for (const [member, score] of set) if (Number(score) < o.below) set.delete(member);
        if (set.size === 0) model.delete(o.key);
        break;
      }
      case 'zremWhenReached':
      case 'zaddWhenReached': {
        const h = model.get(o.hash);
        const field = (name: string) => numeric(h instanceof Map ? h.get(name) : undefined);
        const sum = o.sum.reduce((total, name) => total + (field(name) || 0), 0);
        if (!(sum >= field(o.reaches))) break;
        const set = model.get(o.key);
        if (o.op === 'zaddWhenReached') hash(o.key).set(o.member, String(o.score));
        else if (set instanceof Map) set.delete(o.member);
        break;
      }
      case 'pexpireat':
        // Expiry is Redis' clock's business: the reference holds what was written, as Redis does
        // until the key's time.
        break;
      case 'publish':
        published?.push({ channel: o.key, message: o.message });
        break;
      case 'requires':
        // The reference folds events in the order it is given: ordering them is the runner's job.
        break;
    }
  }
  return model;
}
