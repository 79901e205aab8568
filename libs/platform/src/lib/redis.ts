import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';

const READY_WAIT_MS = 3_000;

/** The service's Redis connection (read models). Closed with QUIT at shutdown. */
@Injectable()
export class RedisClient implements OnModuleInit, OnApplicationShutdown {
  readonly redis: Redis;

  constructor(url: string) {
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
