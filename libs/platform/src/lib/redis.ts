import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { failFastWhenDown } from './fail-fast';

const READY_WAIT_MS = 3_000;

export interface RedisClientOptions {
  /**
   * Once the connection has been ready, a command sent while it is down fails at once ("Stream
   * isn't writeable and enableOfflineQueue options is false", which the gateway answers
   * UNAVAILABLE with retryAfterMs) instead of waiting in ioredis' offline queue until
   * `maxRetriesPerRequest` reconnections have failed: with the reconnection delay grown to 2 s
   * that was 6 to 8 s per command, so every GraphQL request hung that long during a Redis outage
   * before it was told to retry in a second. Commands sent before the first connection (at start)
   * still wait for it. For a caller that answers a client (the gateway); a service's own loops
   * keep waiting through a short blip. `fail-fast.ts`.
   */
  failFastWhenDown?: boolean;
}

/** The service's Redis connection (read models). Closed with QUIT at shutdown. */
@Injectable()
export class RedisClient implements OnModuleInit, OnApplicationShutdown {
  readonly redis: Redis;

  constructor(url: string, options: RedisClientOptions = {}) {
    this.redis = new Redis(url, {
      lazyConnect: false,
      connectTimeout: 3_000,
      maxRetriesPerRequest: 3,
      // After QUIT/disconnect a socket that never closes is destroyed this soon (default 2 s),
      // so shutdown is not held up by a Redis that went away.
      disconnectTimeout: 200,
      // Keep trying to come back after Redis restarts; a down Redis shows in /health, it never
      // crashes the service.
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
    // Without a listener ioredis reports connection errors as unhandled 'error' events.
    this.redis.on('error', () => undefined);
    if (options.failFastWhenDown) failFastWhenDown(this.redis);
  }

  /**
   * Waits briefly for the connection so the service does not start by answering "Redis down".
   * A Redis that is really down delays the start by at most this, and shows in /health.
   */
  async onModuleInit(): Promise<void> {
    if (this.redis.status === 'ready') return;
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_WAIT_MS);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!ready)
      new Logger(RedisClient.name).warn({
        msg: `Redis not ready after ${READY_WAIT_MS} ms; starting anyway`,
      });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'ready') {
      await this.redis.quit().catch(() => this.redis.disconnect());
    } else {
      this.redis.disconnect();
    }
  }
}
