import type { Envelope } from '@gpux/contracts';

/**
 * The writes a projection makes for one event. A small closed set, so that the runner can apply
 * a whole batch of them with its checkpoint in one atomic Redis script, and so that a test can
 * apply them to an in-memory model to compute what Redis must hold.
 */
export type RedisOp =
  | { op: 'set'; key: string; value: string }
  | { op: 'del'; key: string }
  | { op: 'incrby'; key: string; by: number }
  | { op: 'hset'; key: string; field: string; value: string }
  | { op: 'hdel'; key: string; field: string }
  | { op: 'hincrby'; key: string; field: string; by: number }
  | { op: 'rpush'; key: string; value: string }
  | { op: 'zadd'; key: string; score: number; member: string }
  | { op: 'zrem'; key: string; member: string };

/** Where an event sits in the log: what a reader waits for (read-your-writes). */
export interface LogPosition {
  topic: string;
  partition: number;
  offset: string;
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
  /** The writes for one event (at `position` in the log); [] for events it does not care about. */
  apply(event: Envelope, position?: LogPosition): RedisOp[];
}

/**
 * Several projections folded as one: one read of the log, one decode per event, and one atomic
 * write of all their changes with one checkpoint. Their key prefixes must share `keyPrefix`.
 */
export function combineProjections(name: string, keyPrefix: string, parts: Projection[]): Projection {
  const outside = parts.find((p) => !p.keyPrefix.startsWith(keyPrefix));
  if (outside) throw new Error(`projection ${outside.name} writes under ${outside.keyPrefix}, outside ${keyPrefix}`);
  return {
    name,
    keyPrefix,
    topics: [...new Set(parts.flatMap((p) => p.topics))],
    apply: (event, position) => parts.flatMap((p) => (!position || p.topics.includes(position.topic) ? p.apply(event, position) : [])),
  };
}

export type Model = Map<string, string | Map<string, string> | string[]>;

/** Applies writes to an in-memory model with Redis' semantics: the reference for tests. */
export function applyOps(model: Model, ops: RedisOp[]): Model {
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
        model.set(o.key, String(Number(model.get(o.key) ?? 0) + o.by));
        break;
      case 'hset':
        hash(o.key).set(o.field, o.value);
        break;
      case 'hdel':
        hash(o.key).delete(o.field);
        break;
      case 'hincrby': {
        const h = hash(o.key);
        h.set(o.field, String(Number(h.get(o.field) ?? 0) + o.by));
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
    }
  }
  return model;
}
