// The read models as data, to compare: every key of orders, settlement, capacity and pricing
// (idempotency outcomes left out: they are no model), each value in a canonical JSON form.
import { capacityReadModel, ordersReadModel, pricingReadModel, settlementReadModel } from '@gpux/contracts';
import { projectionKeys } from '@gpux/eventsourcing';
import type Redis from 'ioredis';

export type Models = Map<string, string>;

export async function readModels(redis: Redis): Promise<Models> {
  const all: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'COUNT', 1_000);
    cursor = next;
    all.push(...found);
  } while (cursor !== '0');
  const modelKeys = all
    .filter(
      (k) => /^(orders|settlement|capacity|pricing):/.test(k) && !/^[a-z-]+:(outcomes|idempotency):/.test(k),
    )
    .sort();
  const types = ((await redis.pipeline(modelKeys.map((k) => ['type', k])).exec()) ?? []).map(([, t]) =>
    String(t),
  );
  const reads = redis.pipeline();
  for (const [i, key] of modelKeys.entries()) {
    if (types[i] === 'hash') reads.hgetall(key);
    else if (types[i] === 'list') reads.lrange(key, 0, -1);
    else if (types[i] === 'zset') reads.zrange(key, 0, -1, 'WITHSCORES');
    else if (types[i] === 'set') reads.smembers(key);
    else reads.get(key);
  }
  const values = (await reads.exec()) ?? [];
  const out: Models = new Map();
  modelKeys.forEach((key, i) => {
    const [error, value] = values[i] ?? [new Error('no reply'), null];
    if (error) return; // gone or retyped between the two reads: the next read settles it
    const canonical =
      types[i] === 'hash'
        ? Object.entries(value as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1))
        : types[i] === 'set'
          ? [...(value as string[])].sort()
          : value;
    out.set(key, JSON.stringify(canonical));
  });
  return out;
}

/** The read models once nothing has moved for a few reads in a row (bounded). */
export async function settledModels(redis: Redis, timeoutMs = 10_000): Promise<Models> {
  const deadline = Date.now() + timeoutMs;
  let last = await readModels(redis);
  let same = 0;
  while (same < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await readModels(redis);
    same = sameModels(last, now) ? same + 1 : 0;
    last = now;
  }
  return last;
}

export const sameModels = (a: Models, b: Models) =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

/** The first few keys that differ, with both values (shortened). */
export const differences = (a: Models, b: Models) =>
  [...new Set([...a.keys(), ...b.keys()])]
    .filter((k) => a.get(k) !== b.get(k))
    .slice(0, 5)
    .map((k) => `${k}: ${(a.get(k) ?? '(none)').slice(0, 150)} → ${(b.get(k) ?? '(none)').slice(0, 150)}`);

/** The projections' keys of the four read models (epoch, rebuilding marker, rebuild request...). */
export const MODEL_KEYS = [settlementReadModel, ordersReadModel, capacityReadModel, pricingReadModel].map(
  (m) => projectionKeys(m.name),
);

/**
 * Whether every read model has refolded after a flush: each has its epoch and no rebuilding marker
 * (until each runner has seen its checkpoints reach the log's end the gateway answers UNAVAILABLE).
 */
export const refolded = async (redis: Redis) =>
  (await redis.exists(...MODEL_KEYS.map((k) => k.rebuilding))) === 0 &&
  (await redis.exists(...MODEL_KEYS.map((k) => k.epoch))) === MODEL_KEYS.length;
