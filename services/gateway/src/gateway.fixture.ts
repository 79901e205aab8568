// Test support: a real gateway on the environment's Kafka and a Redis of the spec's own.
import { capacityReadModel, ordersReadModel, pricingReadModel, settlementReadModel } from '@gpux/contracts';
import { resetReadModel } from '@gpux/eventsourcing';
import { ServiceApp, startService } from '@gpux/platform';
import { DedicatedRedis, freePort, infraEnv } from '@gpux/testing';
import Redis from 'ioredis';
import { sha256 } from './api/auth';
import { gatewayService } from './service';

type ReadModelDef = { name: string; prefix: string };
const READ_MODELS: readonly ReadModelDef[] = [
  settlementReadModel,
  ordersReadModel,
  capacityReadModel,
  pricingReadModel,
];

/**
 * Marks `models` folded, as each one's service does when it first starts on an empty log: its
 * runner's reset (resetReadModel, with the log's ends all 0: no rebuilding marker) sets the epoch.
 * The gateway takes a model without an epoch for one not folded yet (UNAVAILABLE: api/rebuilding.ts),
 * so a test whose services do not run marks them started. A model that has an epoch is left as it
 * is; one that has none is cleared first, so seed after marking.
 */
export async function markFolded(
  redis: DedicatedRedis,
  models: readonly ReadModelDef[] = READ_MODELS,
): Promise<void> {
  const client = new Redis(redis.url);
  try {
    for (const { name, prefix } of models)
      await resetReadModel(client, { name, keyPrefix: prefix }, { onlyIfNoEpoch: true, endOffsets: {} });
  } finally {
    await client.quit();
  }
}

/**
 * Starts a gateway with `adminKey` as its admin key, quiet, on a free port; `env` adds or
 * overrides. Every read model is marked folded first (markFolded: as if each service had started
 * on an empty log) unless `folded` is false.
 */
export async function startGateway(
  redis: DedicatedRedis,
  adminKey: string,
  env: Record<string, string> = {},
  { folded = true }: { folded?: boolean } = {},
): Promise<ServiceApp> {
  if (folded) await markFolded(redis);
  return startService(
    gatewayService,
    {
      KAFKA_BROKERS: infraEnv().KAFKA_BROKERS,
      REDIS_URL: redis.url,
      PORT: String(await freePort()),
      LOG_LEVEL: 'fatal',
      ADMIN_API_KEY: adminKey,
      ...env,
    },
    { shutdownHooks: false },
  );
}

/** Market `marketId` (m1 by default) in orders' read model, as the orders service would have folded it (no service runs; the model marked folded). */
export async function seedMarket(redis: DedicatedRedis, marketId = 'm1'): Promise<void> {
  await markFolded(redis, [ordersReadModel]);
  const seed = new Redis(redis.url);
  await seed.hset(ordersReadModel.market(marketId), {
    gpuClass: 'H100-80GB',
    minTflopsPerGpu: '40',
    tickSize: '10000',
    feeRateBps: '250',
    status: 'OPEN',
    openedAt: new Date().toISOString(),
  });
  await seed.quit();
}

/**
 * Order `orderId` in orders' read model, as orders would have folded it: acc-1's GTC bid in m1 of 2
 * GPUs for an hour at 2.50, accepted and resting, with `fields` over that.
 */
export async function seedOrder(
  seed: Redis,
  orderId: string,
  fields: Record<string, string> = {},
): Promise<void> {
  await seed.hset(ordersReadModel.order(orderId), {
    marketId: 'm1',
    side: 'bid',
    accountId: 'acc-1',
    price: '2500000',
    gpus: '2',
    hours: '1',
    timeInForce: 'GTC',
    accepted: '1',
    filled: '0',
    cancelled: '0',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...fields,
  });
}

/** API key `key` of account `accountId` with `roles`, in settlement's read model as settlement would have folded it. */
export async function seedApiKey(
  redis: DedicatedRedis,
  key: string,
  accountId: string,
  roles: string,
): Promise<void> {
  await markFolded(redis, [settlementReadModel]);
  const seed = new Redis(redis.url);
  await seed.hset(settlementReadModel.apiKey(sha256(key).toString('hex')), {
    accountId,
    keyId: `key-${accountId}`,
    roles,
  });
  await seed.quit();
}

/** A GraphQL answer as the gateway sends it over HTTP; `D`, its data's shape where a test reads it. */
export interface Answer<D = Record<string, unknown>> {
  data?: D | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/**
 * POSTs `query` (with `variables`) to the gateway at `url` (a ServiceApp's url) as the holder of API
 * key `key` (none: anonymous), on a connection of its own (closed after: nothing kept alive past a
 * spec's gateway); its answer's body.
 */
export async function postGraphql<D = Record<string, unknown>>(
  url: string,
  query: string,
  { key, variables }: { key?: string | null; variables?: Record<string, unknown> } = {},
): Promise<Answer<D>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      connection: 'close',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Answer<D>;
}
