import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';

/** The service's Redis connection (read models). Closed with QUIT at shutdown. */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
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

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'ready') {
      await this.redis.quit().catch(() => this.redis.disconnect());
    } else {
      this.redis.disconnect();
    }
  }
}
