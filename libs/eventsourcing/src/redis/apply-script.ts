/*
 * The apply script stays one file (about 390 lines): the Lua that applies a batch with its
 * checkpoints in one call (APPLY_LUA, most of the file) and the TypeScript that encodes a batch
 * for it (encodeBatch, merging writes) share one wire format, argument by argument, and are only
 * right together.
 */
import type Redis from 'ioredis';
import type { RedisOp } from '../domain/projection';
import { checkpointField, generationKeys, ProjectionDefinitionError, projectionKeys } from './keys';
import { redisScript } from './script';

/**
 * The one atomic step of a projection: a batch of events of one topic-partition, their writes and
 * the new checkpoint, in one Lua script call (Redis runs a script with no other command in
 * between, so a reader never sees half a batch, nor writes without their checkpoint).
 *
 * It refuses, writing nothing:
 *   flushed          the epoch key is gone: Redis was flushed (or a rebuild is clearing it)
 *   epoch-changed    another runner rebuilt the model since this one last looked
 *   checkpoint-lost  no checkpoint, although the runner applied to this partition before: the
 *                    model can no longer be trusted, rebuild it
 *   duplicate        the whole batch is at or below the checkpoint: a re-delivery
 *   diverged         the checkpoint is not where the batch starts (the runner is behind or ahead
 *                    of Redis, e.g. another instance applied this partition): resume after it
 *   waiting          an event's cause (a `requires`, checked against the model before the batch)
 *                    is not applied yet: the answer is that event's offset, and the runner applies
 *                    the events before it and folds on from there once the cause is in (batch.ts)
 * so a batch applies entirely on top of exactly the checkpoint it was prepared for, or not at all.
 * A write to a key holding another type (WRONGTYPE) is found before anything is written: the
 * script answers an error and writes nothing, so retrying such a poison batch changes nothing.
 * That is what lets encodeBatch merge the writes of many events (one HINCRBY for all the events
 * of an account in the batch, one RPUSH for a list) and keep the script's Redis calls few.
 *
 * KEYS = checkpoint hash, epoch, then every key the writes touch (declared, as scripts must),
 * then the rebuilding marker (reset.ts), read only by a call that publishes.
 * Into a new generation (ApplyRequest.generation, see generation.ts) they are that generation's
 * checkpoint hash, the `building` key in place of the epoch, and the keys under its modelPrefix;
 * nothing is published then (no reader sees that generation before the switch).
 * ARGV = field, epoch, expected checkpoint, new checkpoint, channel ('' for none), event count, the writes
 * as one JSON array (one bulk string instead of thousands of arguments), each
 * [code, key index, ...arguments]; integers travel as strings so no float ever rounds them;
 * then the requirements ('' for none) as one JSON array in log order, each
 * [offset, key index, field, at least], then '1' where a requirement of an event a reset's refold
 * replays (below its partition's end in the rebuilding marker) is not waited for: a call into the
 * model readers read ('' into a new generation, which has no marker: its build leaves those
 * requirements out itself).
 * The projection's own publications come last, each ['p', channel, message, offset] (a channel
 * is no key; offset: the last event that published it), so they go out only from a batch that
 * was applied, after its writes, and not for an event a reset's refold replays: one below its
 * partition's end in the rebuilding marker. A notice to waiters (offset '': a command's outcome)
 * and the `applied` notice (ARGV[5]) go out regardless: waits go on during a refold too.
 * hmax / hmin compare as numbers (Lua's tonumber); a field that is absent or holds no number
 * is replaced.
 * zw (zremWhenReached) is [code, set key index, member, hash key index, reaches field, ...sum
 * fields], zaw (zaddWhenReached) the same with the score before the sum fields: the only writes
 * that read a second key, declared like the others.
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
if tonumber(ARGV[4]) <= stored then return {'duplicate', stored} end
if stored ~= expected then return {'diverged', stored} end
-- A reset's refold replays the log from offset 0: an event below the log's end recorded in the
-- rebuilding marker (the last key) is history. What it publishes, live subscribers must not hear
-- again as news; and what it requires is not waited for (ARGV[9] = '1': into the model readers
-- read; a new generation's build leaves out the requirements below the ends it began with itself,
-- generation-build.ts). No reader is served from the model until every partition is
-- folded to its end (finishRebuild deletes the marker), and by then the cause is folded too: it is
-- in the log before its effect, so below its own partition's end. Waiting for it would only make
-- partitions whose causes run both ways take turns (settlement's credits and charges: thousands of
-- waits in a refold). Read only for a call that publishes or requires, so other folds pay nothing;
-- a marker that cannot be read silences nothing and waits as before.
local replayedBelow
local function replayed(offset)
  if replayedBelow == nil then
    replayedBelow = -1
    local raw = redis.call('GET', KEYS[#KEYS])
    if raw then
      local ok, marker = pcall(cjson.decode, raw)
      if ok and type(marker) == 'table' then
        local ends = marker.ends
        if type(ends) ~= 'table' then ends = marker end
        replayedBelow = tonumber(ends[ARGV[1]]) or -1
      end
    end
  end
  local n = tonumber(offset)
  return n ~= nil and n < replayedBelow
end
if ARGV[8] ~= '' then
  for _, w in ipairs(cjson.decode(ARGV[8])) do
    if ARGV[9] ~= '1' or not replayed(w[1]) then
      local have = tonumber(redis.call('HGET', KEYS[w[2]], w[3]))
      if not have or have < tonumber(w[4]) then return {'waiting', w[1]} end
    end
  end
end
local ops = cjson.decode(ARGV[7])
-- A write on a key of another type fails in the middle of a script, and Redis keeps the writes
-- before it: look first, so a batch that cannot apply writes nothing and its retries add nothing.
local WANT = {hi = 'hash', hs = 'hash', hx = 'hash', hn = 'hash', hnx = 'hash', hd = 'hash', r = 'list', i = 'string', s = 'string', z = 'zset', zr = 'zset', zrb = 'zset', zw = 'zset', zaw = 'zset'}
local types = {}
for _, o in ipairs(ops) do
  local code, k = o[1], o[2]
  if code == 'd' then
    types[k] = 'none'
  elseif WANT[code] then
    local t = types[k]
    if not t then t = redis.call('TYPE', KEYS[k]).ok end
    if t ~= 'none' and t ~= WANT[code] then
      return redis.error_reply('WRONGTYPE projection script: ' .. KEYS[k] .. ' holds a ' .. t .. ', ' .. code .. ' needs a ' .. WANT[code] .. ' (nothing written)')
    end
    types[k] = WANT[code]
  end
  if code == 'zw' or code == 'zaw' then
    -- It reads a hash as well: the hash, if any, must be one.
    local h = o[4]
    local t = types[h]
    if not t then t = redis.call('TYPE', KEYS[h]).ok end
    if t ~= 'none' and t ~= 'hash' then
      return redis.error_reply('WRONGTYPE projection script: ' .. KEYS[h] .. ' holds a ' .. t .. ', ' .. code .. ' reads a hash (nothing written)')
    end
  end
end
-- Sums past Redis' 64-bit integers. HINCRBY and INCRBY refuse an increment that would leave 64
-- bits, and a script stops at a refused call with the writes before it kept: the batch would fail
-- on every try (a stalled read model) and each try would apply those writes again. Such a sum is
-- kept exact as a decimal string instead, and a later increment of it (Redis no longer takes it for
-- an integer) goes the same way, so it stays exact in both directions; readers read these figures
-- as BigInts. A value that is no integer at all (a projection that sets and increments one field)
-- is still refused. Digits in limbs of 7, least significant first: a limb's sum stays far inside a
-- double's exact integers.
local BASE = 10000000
local function limbs(s)
  local sign, digits = string.match(s, '^(%-?)(%d+)$')
  if not digits then return nil end
  local l = {}
  for e = #digits, 1, -7 do l[#l + 1] = tonumber(string.sub(digits, math.max(1, e - 6), e)) end
  while #l > 1 and l[#l] == 0 do l[#l] = nil end
  if sign == '-' then return -1, l end
  return 1, l
end
local function compareLimbs(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  for i = #a, 1, -1 do
    if a[i] ~= b[i] then return a[i] < b[i] and -1 or 1 end
  end
  return 0
end
-- a + b when plus, a - b (a >= b) otherwise.
local function combineLimbs(a, b, plus)
  local r, carry = {}, 0
  for i = 1, math.max(#a, #b) do
    local v = (a[i] or 0) + (plus and ((b[i] or 0) + carry) or -((b[i] or 0) + carry))
    carry = 0
    if v >= BASE then v, carry = v - BASE, 1 elseif v < 0 then v, carry = v + BASE, 1 end
    r[i] = v
  end
  if carry > 0 then r[#r + 1] = carry end
  while #r > 1 and r[#r] == 0 do r[#r] = nil end
  return r
end
local function decimalSum(x, y)
  local sx, a = limbs(x)
  local sy, b = limbs(y)
  if not a or not b then return nil end
  local sign, m = sx, nil
  if sx == sy then
    m = combineLimbs(a, b, true)
  elseif compareLimbs(a, b) >= 0 then
    m = combineLimbs(a, b, false)
  else
    sign, m = sy, combineLimbs(b, a, false)
  end
  if #m == 1 and m[1] == 0 then return '0' end
  local parts = {sign < 0 and '-' or '', string.format('%d', m[#m])}
  for i = #m - 1, 1, -1 do parts[#parts + 1] = string.format('%07d', m[i]) end
  return table.concat(parts)
end
local function hashIncrement(key, field, by)
  local r = redis.pcall('HINCRBY', key, field, by)
  if type(r) ~= 'table' or not r.err then return nil end
  local sum = decimalSum(redis.call('HGET', key, field) or '0', by)
  if not sum then return r end
  redis.call('HSET', key, field, sum)
end
local function increment(key, by)
  local r = redis.pcall('INCRBY', key, by)
  if type(r) ~= 'table' or not r.err then return nil end
  local sum = decimalSum(redis.call('GET', key) or '0', by)
  if not sum then return r end
  redis.call('SET', key, sum, 'KEEPTTL')
end
-- unpack() is bounded by Lua's C stack (about 8000 values): variadic writes go in slices.
local SLICE = 500
for _, o in ipairs(ops) do
  local code, key, n = o[1], KEYS[o[2]], #o
  if code == 'hi' then
    for j = 3, n, 2 do
      local refused = hashIncrement(key, o[j], o[j + 1])
      if refused then return refused end
    end
  elseif code == 'hs' then
    for j = 3, n, SLICE do redis.call('HSET', key, unpack(o, j, math.min(j + SLICE - 1, n))) end
  elseif code == 'hx' or code == 'hn' then
    for j = 3, n, 2 do
      local current = tonumber(redis.call('HGET', key, o[j]))
      local value = tonumber(o[j + 1])
      if not current or (code == 'hx' and current < value) or (code == 'hn' and current > value) then
        redis.call('HSET', key, o[j], o[j + 1])
      end
    end
  elseif code == 'hnx' then
    for j = 3, n, 2 do redis.call('HSETNX', key, o[j], o[j + 1]) end
  elseif code == 'p' then
    if not replayed(o[4]) then redis.call('PUBLISH', o[2], o[3]) end
  elseif code == 'r' then
    for j = 3, n, SLICE do redis.call('RPUSH', key, unpack(o, j, math.min(j + SLICE - 1, n))) end
  elseif code == 'i' then
    local refused = increment(key, o[3])
    if refused then return refused end
  elseif code == 's' then
    redis.call('SET', key, o[3])
  elseif code == 'z' then
    redis.call('ZADD', key, o[3], o[4])
  elseif code == 'hd' then
    redis.call('HDEL', key, o[3])
  elseif code == 'zr' then
    redis.call('ZREM', key, o[3])
  elseif code == 'zrb' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. o[3])
  elseif code == 'zw' or code == 'zaw' then
    local h, sum, first = KEYS[o[4]], 0, 6
    if code == 'zaw' then first = 7 end
    for j = first, n do sum = sum + (tonumber(redis.call('HGET', h, o[j])) or 0) end
    local reaches = tonumber(redis.call('HGET', h, o[5]))
    if reaches and sum >= reaches then
      if code == 'zw' then redis.call('ZREM', key, o[3]) else redis.call('ZADD', key, o[6], o[3]) end
    end
  elseif code == 'd' then
    redis.call('DEL', key)
  elseif code == 'x' then
    redis.call('PEXPIREAT', key, o[3])
  else
    return redis.error_reply('projection script: unknown op code ' .. tostring(code))
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[5], ARGV[1] .. ' ' .. ARGV[4]) end
return {'applied', tonumber(ARGV[6])}
`;

export interface BatchEvent {
  /** The event's offset in its partition. */
  offset: number;
  ops: RedisOp[];
  /**
   * The command that produced it (its causation id), when it has one: a command's events are
   * applied in one script call, never split across two (batch.ts).
   */
  command?: string;
}

export interface ApplyRequest {
  projectionName: string;
  keyPrefix: string;
  topic: string;
  partition: number;
  /** The epoch the runner believes the model has (building a new generation: that generation's id). */
  epoch: string;
  /** Set when building a new generation: the batch goes there, not to the model readers read. */
  generation?: string;
  /** The checkpoint the runner believes Redis holds for this partition (-1 for none): the batch applies on top of exactly it. */
  expectedCheckpoint: number;
  /** The checkpoint after this batch: its last log offset, which may be a skipped or marker record's. */
  lastOffset: number;
  /** Events above expectedCheckpoint, in log order, with their writes. */
  events: BatchEvent[];
}

export type ApplyResult =
  | { status: 'applied'; applied: number }
  | { status: 'duplicate' | 'diverged'; checkpoint: number }
  /** The event at `offset` waits for its cause: nothing was written. */
  | { status: 'waiting'; offset: number }
  | { status: 'flushed' | 'epoch-changed' | 'checkpoint-lost' };

/** A Redis integer is 64-bit; a JS number is exact to 2^53: refuse what would be rounded. */
function integer(value: number, what: string): number {
  if (!Number.isSafeInteger(value))
    throw new ProjectionDefinitionError(`${what} must be a safe integer, got ${value}`);
  return value;
}

type EncodedOp = (string | number)[];

/** A write to one key that a following write of the same kind may merge into. */
interface Run {
  code: string;
  op: EncodedOp;
  /** hi / hs / hnx / hx / hn: field → index of its amount or value in op. */
  fields: Map<string, number>;
}

/**
 * The runs open on one key: the one latest write, or, on a hash, one run per kind of field write
 * (hi, hs, hnx, hx, hn) since the hash's last other write, no field written by two of them. Writes
 * of different kinds to different fields commute, so a write may join its kind's run wherever
 * that run stands in the list.
 */
interface KeyRuns {
  byCode: Map<string, Run>;
  /** field → the kind of the open run that writes it. */
  fieldCodes: Map<string, string>;
}

/** A value hmax / hmin compare: finite, and exact when it is an integer. */
function comparable(value: number, what: string): number {
  if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) {
    throw new ProjectionDefinitionError(
      `${what} must be a finite number (a safe integer when whole), got ${value}`,
    );
  }
  return value;
}

/**
 * Merges writes the way Redis would apply them one by one, per key and only across writes of
 * the same kind: increments of one field add up, a list's pushes become one RPUSH, a hash's
 * sets one HSET (the later value of a field wins), its set-if-absents one (the earlier wins), its
 * maxima and minima one (the extreme wins), a string's sets keep the last. A list's or a string's
 * run ends at any other write to its key. A hash's field writes of one kind merge across its field
 * writes of other kinds as long as no field is written by two kinds (a trade's candle: open,
 * high, low, close and volume, each its own kind and field, one write of each per batch, not per
 * trade); a field written by another kind, or any other write to the hash (a removal of a field,
 * an expiry, a removal that reads it), ends every run on it. Other keys' writes in between do not
 * matter: the batch is applied atomically, so no reader sees the order across keys. Publications
 * are kept apart, an identical channel and message once, and go last.
 */
class WriteList {
  readonly ops: EncodedOp[] = [];
  private readonly runs = new Map<number, KeyRuns>();
  private readonly publications = new Map<string, EncodedOp>();

  /**
   * `offset`: the event's; events come in log order, so the one kept is the latest's. None for a
   * notice to waiters, published during a refold too.
   */
  publish(channel: string, message: string, offset: number | undefined): void {
    const id = JSON.stringify([channel, message]);
    const kept = this.publications.get(id);
    const at = offset === undefined ? '' : String(offset);
    // Published by a replayed event and a new one alike: the new one's offset decides, so it goes out.
    if (kept) kept[3] = kept[3] === '' ? '' : at;
    else this.publications.set(id, ['p', channel, message, at]);
  }

  add(k: number, o: RedisOp): void {
    switch (o.op) {
      case 'hincrby': {
        const by = integer(o.by, `hincrby ${o.key} ${o.field}`);
        const run = this.fieldRun(k, 'hi', o.field);
        const at = run?.fields.get(o.field);
        if (run && at !== undefined) {
          const sum = (run.op[at] as number) + by;
          if (Number.isSafeInteger(sum)) {
            run.op[at] = sum;
            return;
          }
        } else if (run) {
          this.addField(k, run, o.field, by);
          return;
        }
        this.startField(k, 'hi', o.field, by);
        return;
      }
      case 'hset': {
        const run = this.fieldRun(k, 'hs', o.field);
        const at = run?.fields.get(o.field);
        if (run && at !== undefined) run.op[at] = o.value;
        else if (run) this.addField(k, run, o.field, o.value);
        else this.startField(k, 'hs', o.field, o.value);
        return;
      }
      case 'hsetnx':
      case 'hmax':
      case 'hmin': {
        const code = o.op === 'hsetnx' ? 'hnx' : o.op === 'hmax' ? 'hx' : 'hn';
        const value = o.op === 'hsetnx' ? o.value : comparable(o.value, `${o.op} ${o.key} ${o.field}`);
        const run = this.fieldRun(k, code, o.field);
        const at = run?.fields.get(o.field);
        if (run && at !== undefined) {
          if (code === 'hx') run.op[at] = Math.max(run.op[at] as number, value as number);
          else if (code === 'hn') run.op[at] = Math.min(run.op[at] as number, value as number);
          // hsetnx: the earlier value stays.
        } else if (run) this.addField(k, run, o.field, value);
        else this.startField(k, code, o.field, value);
        return;
      }
      case 'publish':
      case 'requires':
      case 'zremWhenReached':
      case 'zaddWhenReached':
        // encodeBatch hands publications to publish(), requirements apart, and a write that reads
        // another key to whenReached().
        return;
      case 'rpush': {
        const run = this.latest(k, 'r');
        if (run) run.op.push(o.value);
        else this.start(k, ['r', k, o.value]);
        return;
      }
      case 'incrby': {
        const by = integer(o.by, `incrby ${o.key}`);
        const run = this.latest(k, 'i');
        const sum = run ? (run.op[2] as number) + by : NaN;
        if (run && Number.isSafeInteger(sum)) run.op[2] = sum;
        else this.start(k, ['i', k, by]);
        return;
      }
      case 'set': {
        const run = this.latest(k, 's');
        if (run) run.op[2] = o.value;
        else this.start(k, ['s', k, o.value]);
        return;
      }
      case 'zadd':
        if (!Number.isFinite(o.score))
          throw new ProjectionDefinitionError(`zadd ${o.key}: score must be finite, got ${o.score}`);
        this.start(k, ['z', k, String(o.score), o.member]);
        return;
      case 'hdel':
        this.start(k, ['hd', k, o.field]);
        return;
      case 'zrem':
        this.start(k, ['zr', k, o.member]);
        return;
      case 'zremBelow':
        if (!Number.isFinite(o.below))
          throw new ProjectionDefinitionError(`zremBelow ${o.key}: below must be finite, got ${o.below}`);
        this.start(k, ['zrb', k, String(o.below)]);
        return;
      case 'del':
        this.start(k, ['d', k]);
        return;
      case 'pexpireat':
        this.start(k, ['x', k, integer(o.at, `pexpireat ${o.key}`)]);
        return;
    }
  }

  /**
   * A write decided on the hash `h`: never merged, and the hash's next write starts a run after it,
   * so that no later write of the batch is merged into one applied before the hash is read.
   */
  whenReached(
    k: number,
    h: number,
    o: Extract<RedisOp, { op: 'zremWhenReached' | 'zaddWhenReached' }>,
  ): void {
    if (o.op === 'zremWhenReached') this.start(k, ['zw', k, o.member, h, o.reaches, ...o.sum]);
    else {
      if (!Number.isFinite(o.score))
        throw new ProjectionDefinitionError(`zaddWhenReached ${o.key}: score must be finite, got ${o.score}`);
      this.start(k, ['zaw', k, o.member, h, o.reaches, String(o.score), ...o.sum]);
    }
    this.runs.delete(h);
  }

  /** The JSON the script reads; amounts as strings (see APPLY_LUA). */
  toJSON(): string {
    for (const op of this.ops) {
      if (op[0] === 'hi' || op[0] === 'hx' || op[0] === 'hn')
        for (let j = 3; j < op.length; j += 2) op[j] = String(op[j]);
      else if (op[0] === 'i' || op[0] === 'x') op[2] = String(op[2]);
    }
    return luaJSON([...this.ops, ...this.publications.values()]);
  }

  /** The key's latest write when it is of `code` and nothing else is open on the key. */
  private latest(k: number, code: string): Run | undefined {
    const runs = this.runs.get(k);
    return runs?.byCode.size === 1 ? runs.byCode.get(code) : undefined;
  }

  /** The run of field writes of `code` open on the hash that `field` may join: none is written by another kind. */
  private fieldRun(k: number, code: string, field: string): Run | undefined {
    const runs = this.runs.get(k);
    const owner = runs?.fieldCodes.get(field);
    return owner === undefined || owner === code ? runs?.byCode.get(code) : undefined;
  }

  private addField(k: number, run: Run, field: string, value: string | number): void {
    run.op.push(field, value);
    run.fields.set(field, run.op.length - 1);
    this.runs.get(k)!.fieldCodes.set(field, run.code);
  }

  /**
   * A new run of field writes of `code` on the hash, beside the kinds open on it; after them all
   * when `field` is written by another open kind (or by a run of this kind that cannot take more).
   */
  private startField(k: number, code: string, field: string, value: string | number): void {
    const runs = this.runs.get(k);
    const owner = runs?.fieldCodes.get(field);
    // Field writes' runs are what is open (another write's run records no field).
    const beside = runs !== undefined && runs.fieldCodes.size > 0;
    const op: EncodedOp = [code, k, field, value];
    this.ops.push(op);
    const run: Run = { code, op, fields: new Map([[field, 3]]) };
    if (beside && (owner === undefined || owner === code)) {
      runs.byCode.set(code, run);
      runs.fieldCodes.set(field, code);
    } else {
      this.runs.set(k, { byCode: new Map([[code, run]]), fieldCodes: new Map([[field, code]]) });
    }
  }

  /** Any other write: it ends every run open on the key, and starts its own. */
  private start(k: number, op: EncodedOp): Run {
    this.ops.push(op);
    const run: Run = { code: String(op[0]), op, fields: new Map() };
    this.runs.set(k, { byCode: new Map([[run.code, run]]), fieldCodes: new Map() });
    return run;
  }
}

/**
 * JSON that the script's `cjson.decode` takes. JSON.stringify writes half a UTF-16 surrogate pair as
 * `\udXXX`, which cjson refuses: one event holding such text (a name recorded before commands
 * refused it, or written to the log by hand) failed its batch on every try and stopped the read
 * model for good, a rebuild included. Such halves are sent as U+FFFD, the character Redis would have
 * kept for them anyway (it stores UTF-8). The second pass runs only for JSON that shows one.
 */
export function luaJSON(value: unknown): string {
  const json = JSON.stringify(value);
  if (!/\\ud[89a-f]/.test(json)) return json;
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? v.replace(/\p{Cs}/gu, '\uFFFD') : v,
  );
}

/**
 * Lays a batch out as the script's KEYS and ARGV. Pure, so it is tested without Redis; it is
 * also where every key is checked against the projection's prefix, before anything is sent.
 */
export function encodeBatch(request: ApplyRequest): { keys: string[]; args: string[] } {
  if (!Number.isSafeInteger(request.lastOffset) || !Number.isSafeInteger(request.expectedCheckpoint)) {
    throw new RangeError(
      `offsets must be safe integers: ${request.expectedCheckpoint}, ${request.lastOffset}`,
    );
  }
  const lastEvent = request.events[request.events.length - 1];
  if (lastEvent && request.lastOffset < lastEvent.offset) {
    throw new RangeError(
      `batch of ${request.topic}:${request.partition} ends at ${request.lastOffset}, before its last event`,
    );
  }
  const own = projectionKeys(request.projectionName);
  const next =
    request.generation === undefined ? undefined : generationKeys(request.projectionName, request.generation);
  const keys = next ? [next.checkpoint, own.building] : [own.checkpoint, own.epoch];
  const keyIndex = new Map<string, number>();
  const indexOf = (key: string, what: string): number => {
    let k = keyIndex.get(key);
    if (k === undefined) {
      if (!key.startsWith(request.keyPrefix)) {
        throw new ProjectionDefinitionError(
          `projection ${request.projectionName} ${what} ${key}, outside its keyPrefix ${request.keyPrefix}`,
        );
      }
      // Into a new generation, a requirement is read there too: causes are that generation's.
      keys.push(next ? next.modelPrefix + key : key);
      k = keys.length;
      keyIndex.set(key, k);
    }
    return k;
  };
  const writes = new WriteList();
  const requirements: (string | number)[][] = [];
  for (const event of request.events) {
    for (const o of event.ops) {
      if (o.op === 'publish') {
        if (!o.key.startsWith(request.keyPrefix)) {
          throw new ProjectionDefinitionError(
            `projection ${request.projectionName} published on channel ${o.key}, outside its keyPrefix ${request.keyPrefix}`,
          );
        }
        if (!next) writes.publish(o.key, o.message, o.waiters ? undefined : event.offset);
        continue;
      }
      if (o.op === 'requires') {
        const atLeast = comparable(o.atLeast, `requires ${o.key} ${o.field}`);
        requirements.push([event.offset, indexOf(o.key, 'requires key'), o.field, String(atLeast)]);
        continue;
      }
      if (o.op === 'zremWhenReached' || o.op === 'zaddWhenReached') {
        writes.whenReached(indexOf(o.key, 'wrote key'), indexOf(o.hash, 'read key'), o);
        continue;
      }
      writes.add(indexOf(o.key, 'wrote key'), o);
    }
  }
  // Last, so that the writes' key indices do not depend on it (APPLY_LUA reads KEYS[#KEYS]).
  keys.push(own.rebuilding);
  const args = [
    checkpointField(request.topic, request.partition),
    request.epoch,
    String(request.expectedCheckpoint),
    String(request.lastOffset),
    next ? '' : own.applied,
    String(request.events.length),
    writes.toJSON(),
    requirements.length === 0 ? '' : luaJSON(requirements),
    next ? '' : '1',
  ];
  return { keys, args };
}

const runApplyScript = redisScript(APPLY_LUA);

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
    case 'waiting':
      return { status, offset: n };
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
  return parseReply(await runApplyScript(redis, keys, args));
}
