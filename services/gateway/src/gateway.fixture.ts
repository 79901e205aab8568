// Test support: a real gateway on the environment's Kafka and a Redis of the spec's own.
import { ServiceApp, startService } from '@gpux/platform';
import { DedicatedRedis, freePort, infraEnv } from '@gpux/testing';
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
