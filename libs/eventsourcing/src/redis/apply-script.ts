import type Redis from 'ioredis';
import type { RedisOp } from '../domain/projection';
import { checkpointField, ProjectionDefinitionError, projectionKeys } from './keys';

/**
 * The one atomic step of a projection: a batch of events of one topic-partition, their writes and
 * the new checkpoint, in one Lua script (Redis runs a script with no other command in between).
 *
 * It refuses, writing nothing:
 *   flushed          the epoch key is gone: Redis was flushed (or a rebuild is clearing it)
 *   epoch-changed    another runner rebuilt the model since this one last looked
 *   checkpoint-lost  no checkpoint, although the runner applied to this partition before: the
 *                    model can no longer be trusted, rebuild it
 *   diverged         the checkpoint is behind what the runner believed: resume after it
 *   duplicate        the whole batch is at or below the checkpoint: a re-delivery, nothing to do
 * and otherwise applies only the events above the checkpoint (a batch that overlaps it), so a
 * re-delivered event never changes anything.
 *
 * Arguments are flat so the script needs no JSON decoding: KEYS = checkpoint, epoch, then every
 * distinct key the ops write (ops name them by index, so KEYS declares every key touched).
 * ARGV = field, epoch, expected checkpoint, new checkpoint, channel, event count, then per event:
 * offset, op count, then per op: code, key index, and the op's 0–2 arguments.
 */
export const APPLY_LUA = `
local epoch = redis.call('GET', KEYS[2])
if not epoch then return {'flushed', -1} end
if epoch ~= ARGV[2] then return {'epoch-changed', -1} end
local expected = tonumber(ARGV[3])
local storedRaw = redis.call('HGET', KEYS[1], ARGV[1])
local stored = -1
if storedRaw then
  stored = tonumber(storedRaw)
elseif expected >= 0 then
  return {'checkpoint-lost', -1}
end
if stored < expected then return {'diverged', stored} end
if tonumber(ARGV[4]) <= stored then return {'duplicate', stored} end
local i = 7
local applied = 0
for _ = 1, tonumber(ARGV[6]) do
  local live = tonumber(ARGV[i]) > stored
  local ops = tonumber(ARGV[i + 1])
  i = i + 2
  if live then applied = applied + 1 end
  for _ = 1, ops do
    local code = ARGV[i]
    local key = KEYS[tonumber(ARGV[i + 1])]
    if code == 'hi' then
      if live then redis.call('HINCRBY', key, ARGV[i + 2], ARGV[i + 3]) end
      i = i + 4
    elseif code == 'hs' then
      if live then redis.call('HSET', key, ARGV[i + 2], ARGV[i + 3]) end
      i = i + 4
    elseif code == 'r' then
      if live then redis.call('RPUSH', key, ARGV[i + 2]) end
      i = i + 3
    elseif code == 's' then
      if live then redis.call('SET', key, ARGV[i + 2]) end
      i = i + 3
    elseif code == 'i' then
      if live then redis.call('INCRBY', key, ARGV[i + 2]) end
      i = i + 3
    elseif code == 'z' then
      if live then redis.call('ZADD', key, ARGV[i + 2], ARGV[i + 3]) end
      i = i + 4
    elseif code == 'hd' then
      if live then redis.call('HDEL', key, ARGV[i + 2]) end
      i = i + 3
    elseif code == 'zr' then
      if live then redis.call('ZREM', key, ARGV[i + 2]) end
      i = i + 3
    elseif code == 'd' then
      if live then redis.call('DEL', key) end
      i = i + 2
    else
      return redis.error_reply('projection script: unknown op code ' .. tostring(code))
    end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[1] .. ' ' .. ARGV[4])
return {'applied', applied}
`;

export interface BatchEvent {
  /** The event's offset in its partition. */
  offset: number;
  ops: RedisOp[];
}

export interface ApplyRequest {
  projectionName: string;
  keyPrefix: string;
  topic: string;
  partition: number;
  /** The epoch the runner believes the model has. */
  epoch: string;
  /** The checkpoint the runner believes Redis holds for this partition; -1 for none. */
  expectedCheckpoint: number;
  /** The checkpoint after this batch: its last log offset, which may be a skipped or marker record's. */
  lastOffset: number;
  events: BatchEvent[];
}

export type ApplyResult =
  | { status: 'applied'; applied: number }
  | { status: 'duplicate' | 'diverged'; checkpoint: number }
  | { status: 'flushed' | 'epoch-changed' | 'checkpoint-lost' };

/** A Redis integer is 64-bit; a JS number is exact to 2^53: refuse what would be rounded. */
function integer(value: number, what: string): string {
  if (!Number.isSafeInteger(value)) throw new ProjectionDefinitionError(`${what} must be a safe integer, got ${value}`);
  return String(value);
}

/**
 * Lays a batch out as the script's KEYS and ARGV. Pure, so it is tested without Redis; it is
 * also where every key is checked against the projection's prefix, before anything is sent.
 */
export function encodeBatch(request: ApplyRequest): { keys: string[]; args: string[] } {
  const own = projectionKeys(request.projectionName);
  const keys = [own.checkpoint, own.epoch];
  const keyIndex = new Map<string, string>();
  const indexOf = (key: string): string => {
    let index = keyIndex.get(key);
    if (index === undefined) {
      if (!key.startsWith(request.keyPrefix)) {
        throw new ProjectionDefinitionError(`projection ${request.projectionName} wrote key ${key}, outside its keyPrefix ${request.keyPrefix}`);
      }
      keys.push(key);
      index = String(keys.length);
      keyIndex.set(key, index);
    }
    return index;
  };
  const args = [
    checkpointField(request.topic, request.partition),
    request.epoch,
    integer(request.expectedCheckpoint, 'expected checkpoint'),
    integer(request.lastOffset, 'last offset'),
    own.applied,
    String(request.events.length),
  ];
  for (const event of request.events) {
    args.push(integer(event.offset, 'offset'), String(event.ops.length));
    for (const o of event.ops) {
      const k = indexOf(o.key);
      switch (o.op) {
        case 'hincrby':
          args.push('hi', k, o.field, integer(o.by, `hincrby ${o.key} ${o.field}`));
          break;
        case 'hset':
          args.push('hs', k, o.field, o.value);
          break;
        case 'rpush':
          args.push('r', k, o.value);
          break;
        case 'set':
          args.push('s', k, o.value);
          break;
        case 'incrby':
          args.push('i', k, integer(o.by, `incrby ${o.key}`));
          break;
        case 'zadd':
          if (!Number.isFinite(o.score)) throw new ProjectionDefinitionError(`zadd ${o.key}: score must be finite, got ${o.score}`);
          args.push('z', k, String(o.score), o.member);
          break;
        case 'hdel':
          args.push('hd', k, o.field);
          break;
        case 'zrem':
          args.push('zr', k, o.member);
          break;
        case 'del':
          args.push('d', k);
          break;
      }
    }
  }
  if (request.lastOffset < (request.events[request.events.length - 1]?.offset ?? -1)) {
    throw new Error(`batch of ${request.topic}:${request.partition} ends at ${request.lastOffset}, before its last event`);
  }
  return { keys, args };
}

const COMMAND = 'gpuxProjectionApply';
type ScriptCall = (numKeys: number, keysAndArgs: string[]) => Promise<unknown>;

/** The script as a command of this client: ioredis sends EVALSHA and falls back to EVAL once. */
function scriptOf(redis: Redis): ScriptCall {
  const commands = redis as unknown as Record<string, ScriptCall | undefined>;
  if (typeof commands[COMMAND] !== 'function') redis.defineCommand(COMMAND, { lua: APPLY_LUA });
  const call = commands[COMMAND];
  if (!call) throw new Error('ioredis did not define the projection script');
  return call.bind(redis);
}

function parseReply(reply: unknown): ApplyResult {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string' || typeof reply[1] !== 'number') {
    throw new Error(`projection script answered ${JSON.stringify(reply)}`);
  }
  const [status, n] = reply as [string, number];
  switch (status) {
    case 'applied':
      return { status, applied: n };
    case 'duplicate':
    case 'diverged':
      return { status, checkpoint: n };
    case 'flushed':
    case 'epoch-changed':
    case 'checkpoint-lost':
      return { status };
    default:
      throw new Error(`projection script answered an unknown status ${status}`);
  }
}

/** Applies one batch atomically (see APPLY_LUA). Calls made without awaiting are pipelined in order. */
export async function applyBatch(redis: Redis, request: ApplyRequest): Promise<ApplyResult> {
  const { keys, args } = encodeBatch(request);
  return parseReply(await scriptOf(redis)(keys.length, [...keys, ...args]));
}
