import type Redis from 'ioredis';

/**
 * Makes `redis` refuse a command at once while its connection is down, once it has been ready:
 * its offline queue is off from a 'close' that follows a 'ready' until the next 'ready' (ioredis
 * reads `options.enableOfflineQueue` as each command is sent). Before the first 'ready' commands
 * queue as usual, so a start that sends them while connecting waits for the connection.
 *
 * `duplicate()` copies the options as they are when it is called: a connection duplicated during an
 * outage (a subscriber) must pass `enableOfflineQueue: true` itself, or its first SUBSCRIBE, sent
 * while it connects, would be refused.
 */
export function failFastWhenDown(redis: Redis): void {
  let wasReady = redis.status === 'ready';
  redis.on('ready', () => {
    wasReady = true;
    redis.options.enableOfflineQueue = true;
  });
  redis.on('close', () => {
    if (wasReady) redis.options.enableOfflineQueue = false;
  });
}
