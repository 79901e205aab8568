import type Redis from 'ioredis';
import { CommandOutcome, outcomeEventsKey, outcomeKey, parseOutcome } from '../domain/outcomes.projection';
import { projectionKeys } from './keys';
import { redisScript } from './script';

/**
 * A command's outcome (its hash and its events list) and, when a read model's checkpoint hash is
 * the third key, that read model's checkpoint in the partition of the outcome's position: one
 * round trip, one consistent moment. Answers [] while there is no outcome, else [hash, events]
 * or [hash, events, checkpoint or nil].
 */
const READ_OUTCOME = redisScript(`local hash = redis.call('HGETALL', KEYS[1])
if #hash == 0 then return {} end
local events = redis.call('LRANGE', KEYS[2], 0, -1)
if #KEYS < 3 then return {hash, events} end
local position = redis.call('HGET', KEYS[1], 'position')
local field = position and string.match(position, '^(.*):%d+$')
if not field then return {hash, events} end
return {hash, events, redis.call('HGET', KEYS[3], field)}`);

/** An outcome as read, with whether the read model named with it had applied it then. */
export type ReadOutcome = CommandOutcome & {
  /** The read model that had applied the outcome's position when the outcome was read, if asked. */
  visibleIn?: string;
  /**
   * Set by a sender when the outcome answers another command sent with the same key before this
   * request (its recorded outcome, given again): the request was not decided anew.
   */
  replayed?: true;
};

/**
 * The outcome `service` recorded for `idempotencyKey`, if any. With `readModel`, read together
 * with that read model's checkpoint: `visibleIn` is set when it had already applied the outcome,
 * so read-your-writes needs no other read.
 */
export async function readOutcome(
  redis: Redis,
  service: string,
  idempotencyKey: string,
  readModel?: string,
): Promise<ReadOutcome | undefined> {
  const keys = [outcomeKey(service, idempotencyKey), outcomeEventsKey(service, idempotencyKey)];
  if (readModel) keys.push(projectionKeys(readModel).checkpoint);
  const reply = (await READ_OUTCOME(redis, keys, [])) as [string[]?, string[]?, (string | null)?];
  const [flat, events, checkpoint] = reply;
  if (!flat || !events) return undefined;
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
  const outcome = parseOutcome(hash, events);
  if (!outcome) return undefined;
  const reached =
    readModel && typeof checkpoint === 'string' && Number(checkpoint) >= Number(outcome.position.offset);
  return reached ? { ...outcome, visibleIn: readModel } : outcome;
}
