// Test support: a real gateway on the environment's Kafka and a Redis of the spec's own.
import { ordersReadModel, settlementReadModel } from '@gpux/contracts';
import { ServiceApp, startService } from '@gpux/platform';
import { DedicatedRedis, freePort, infraEnv } from '@gpux/testing';
import Redis from 'ioredis';
import { sha256 } from './api/auth';
import { gatewayService } from './service';

/** Starts a gateway with `adminKey` as its admin key, quiet, on a free port; `env` adds or overrides. */
export async function startGateway(
  redis: DedicatedRedis,
  adminKey: string,
  env: Record<string, string> = {},
): Promise<ServiceApp> {
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

/** Market m1 in orders' read model, as the orders service would have folded it (no service runs). */
export async function seedMarket(redis: DedicatedRedis): Promise<void> {
  const seed = new Redis(redis.url);
  await seed.hset(ordersReadModel.market('m1'), {
    gpuClass: 'H100-80GB',
    minTflopsPerGpu: '40',
    tickSize: '10000',
    feeRateBps: '250',
    status: 'OPEN',
    openedAt: new Date().toISOString(),
  });
  await seed.quit();
}

/** API key `key` of account `accountId` with `roles`, in settlement's read model as settlement would have folded it. */
export async function seedApiKey(
  redis: DedicatedRedis,
  key: string,
  accountId: string,
  roles: string,
): Promise<void> {
  const seed = new Redis(redis.url);
  await seed.hset(settlementReadModel.apiKey(sha256(key).toString('hex')), {
    accountId,
    keyId: `key-${accountId}`,
    roles,
  });
  await seed.quit();
}
