import type Redis from 'ioredis';
import { CommandOutcome, outcomeEventsKey, outcomeKey, parseOutcome } from '../domain/outcomes.projection';
import { projectionKeys } from './keys';
import { redisScript } from './script';

/**
 * A command's outcome (its hash and its events list) and, when a read model's checkpoint hash is
 * the third key, that read model's checkpoint in the partition of the outcome's position: one
 * round trip, one consistent moment. Answers [] while there is no outcome, else [hash, events]
 * or [hash, events, checkpoint or nil]; with a fourth key (a hash of that read model), its fields
 * at the same moment come fourth: [hash, events, checkpoint or nil, fields].
 */
const READ_OUTCOME = redisScript(`local hash = redis.call('HGETALL', KEYS[1])
if #hash == 0 then return {} end
local events = redis.call('LRANGE', KEYS[2], 0, -1)
if #KEYS < 3 then return {hash, events} end
local position = redis.call('HGET', KEYS[1], 'position')
local field = position and string.match(position, '^(.*):%d+$')
if not field then return {hash, events} end
local checkpoint = redis.call('HGET', KEYS[3], field)
if #KEYS < 4 then return {hash, events, checkpoint} end
return {hash, events, checkpoint, redis.call('HGETALL', KEYS[4])}`);

/** An outcome as read, with whether the read model named with it had applied it then. */
export type ReadOutcome = CommandOutcome & {
  /** The read model that had applied the outcome's position when the outcome was read, if asked. */
  visibleIn?: string;
  /**
   * The fields of the hash asked for with the outcome (`readOutcome`'s `withHash`), as that read
   * model held them at the moment it was read: set only with `visibleIn`, so they show the
   * command's effects (an empty object: no such hash). What a caller would read next, saved a
   * round trip.
   */
  hash?: Record<string, string>;
  /**
   * Set by a sender when the outcome answers another command sent with the same key before this
   * request (its recorded outcome, given again): the request was not decided anew.
   */
  replayed?: true;
};

/**
 * The outcome `service` recorded for `idempotencyKey`, if any. With `readModel`, read together
 * with that read model's checkpoint: `visibleIn` is set when it had already applied the outcome,
 * so read-your-writes needs no other read. With `withHash` too (a hash key of `readModel`), that
 * hash is read at the same moment and comes back as `hash` when the outcome was visible.
 */
export async function readOutcome(
  redis: Redis,
  service: string,
  idempotencyKey: string,
  readModel?: string,
  withHash?: string,
): Promise<ReadOutcome | undefined> {
  const keys = [outcomeKey(service, idempotencyKey), outcomeEventsKey(service, idempotencyKey)];
  if (readModel) {
    keys.push(projectionKeys(readModel).checkpoint);
    if (withHash !== undefined) keys.push(withHash);
  }
  const reply = (await READ_OUTCOME(redis, keys, [])) as [string[]?, string[]?, (string | null)?, string[]?];
  const [flat, events, checkpoint, fields] = reply;
  if (!flat || !events) return undefined;
  const outcome = parseOutcome(pairs(flat), events);
  if (!outcome) return undefined;
  const reached =
    readModel && typeof checkpoint === 'string' && Number(checkpoint) >= Number(outcome.position.offset);
  if (!reached) return outcome;
  return { ...outcome, visibleIn: readModel, ...(fields ? { hash: pairs(fields) } : {}) };
}

/** HGETALL's flat reply as an object. */
function pairs(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
  return hash;
}
