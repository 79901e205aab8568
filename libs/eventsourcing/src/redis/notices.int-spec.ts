import { RedisClient } from '@gpux/platform';
import { DedicatedRedis, infraEnv, RedisProxy, subscriberIds, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { RedisNotices } from './notices';

// Waiting on announcements with the real Redis pub/sub: how often a waiter reads is what
// distinguishes it from polling, so the probes are counted.
describe('RedisNotices (real Redis)', () => {
  const { REDIS_URL } = infraEnv();
  const redis = new Redis(REDIS_URL);
  const publisher = new Redis(REDIS_URL);
  const notices = new RedisNotices(redis);

  afterAll(async () => {
    await notices.close();
    await Promise.all([redis.quit(), publisher.quit()]);
  });

  it('reads once subscribed, again only on a notice that concerns it, and answers what that read found', async () => {
    const channel = uniqueName('it-notices');
    let probes = 0;
    const read: { value?: string } = {};
    const waiting = notices.waitFor(
      channel,
      async () => {
        probes++;
        return read.value;
      },
      10_000,
      (message) => message === 'mine',
    );
    // The subscription is confirmed before the first read: wait for that read.
    while (probes === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    expect(probes).toBe(1);
    await publisher.publish(channel, 'someone else');
    await new Promise((r) => setTimeout(r, 100));
    expect(probes).toBe(1);
    read.value = 'found';
    await publisher.publish(channel, 'mine');
    await expect(waiting).resolves.toBe('found');
    expect(probes).toBe(2);
  });

  it('answers at once what is already there', async () => {
    await expect(notices.waitFor(uniqueName('it-notices'), async () => 42, 10_000)).resolves.toBe(42);
  });

  it('with no notice, reads a last time at the deadline and answers undefined if still nothing', async () => {
    let probes = 0;
    const found = await notices.waitFor(
      uniqueName('it-notices'),
      async () => {
        probes++;
        return undefined;
      },
      300,
    );
    expect(found).toBeUndefined();
    expect(probes).toBe(2);
  });

  it('a notice lost (published before anyone listened) is made up for by the last read', async () => {
    const channel = uniqueName('it-notices');
    const read: { value?: string } = {};
    let probes = 0;
    const waiting = notices.waitFor(
      channel,
      async () => {
        probes++;
        return read.value;
      },
      500,
    );
    while (probes === 0) await new Promise((r) => setTimeout(r, 5));
    read.value = 'late'; // written without a notice
    await expect(waiting).resolves.toBe('late');
    expect(probes).toBe(2);
  });

  it('shares one subscription among waiters of a channel and lets go of it when the last is done (keepIdleMs 0)', async () => {
    const channel = uniqueName('it-notices');
    const results: string[] = [];
    const eager = new RedisNotices(redis, 0);
    const waiters = ['a', 'b', 'c'].map((id) =>
      eager
        .waitFor(
          channel,
          async () => (results.includes(`announced ${id}`) ? id : undefined),
          10_000,
          (message) => message === id,
        )
        .then((v) => v ?? 'none'),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(await publisher.pubsub('NUMSUB', channel)).toEqual([channel, 1]);
    for (const id of ['a', 'b', 'c']) {
      results.push(`announced ${id}`);
      await publisher.publish(channel, id);
    }
    await expect(Promise.all(waiters)).resolves.toEqual(['a', 'b', 'c']);
    await new Promise((r) => setTimeout(r, 100));
    expect(await publisher.pubsub('NUMSUB', channel)).toEqual([channel, 0]);
    await eager.close();
  });

  it('keeps a channel subscribed while idle for the next waiter, which a notice still wakes; close lets go', async () => {
    const channel = uniqueName('it-notices');
    const keeping = new RedisNotices(redis, 60_000);
    const seen: { announced?: string } = {};
    const probe = async () => seen.announced;
    await keeping.waitFor(channel, async () => 'at once', 10_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(await publisher.pubsub('NUMSUB', channel)).toEqual([channel, 1]);
    // The next waiter on the kept channel: its first read finds nothing, the notice wakes it.
    const waiting = keeping.waitFor(channel, probe, 10_000, (m) => m === 'x');
    await new Promise((r) => setTimeout(r, 100));
    seen.announced = 'x';
    await publisher.publish(channel, 'x');
    await expect(waiting).resolves.toBe('x');
    await keeping.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(await publisher.pubsub('NUMSUB', channel)).toEqual([channel, 0]);
  });

  it('a watch begun before what it waits for reads nothing until a notice that concerns it, then reads once', async () => {
    const channel = uniqueName('it-notices');
    let probes = 0;
    const read: { value?: string } = {};
    const watch = await notices.watch(channel, (message) => message === 'mine');
    const waiting = watch.until(async () => {
      probes++;
      return read.value;
    }, 60_000);
    await publisher.publish(channel, 'someone else');
    // A notice published after another one reaches the subscriber after it: once the second
    // watch has heard its own, the first has had 'someone else' and read nothing for it.
    const after = await notices.watch(channel, (message) => message === 'marker');
    await publisher.publish(channel, 'marker');
    await after.until(async () => true, 60_000);
    expect(probes).toBe(0);
    read.value = 'found';
    await publisher.publish(channel, 'mine');
    await expect(waiting).resolves.toBe('found');
    expect(probes).toBe(1);
  });

  it('a watch whose notice came before its wait reads at once', async () => {
    const channel = uniqueName('it-notices');
    const watch = await notices.watch(channel, (message) => message === 'mine');
    const heard = await notices.watch(channel, (message) => message === 'mine');
    await publisher.publish(channel, 'mine');
    // The second watch's wait answers once the notice reached this process: the first's has too.
    await heard.until(async () => true, 60_000);
    let probes = 0;
    await expect(
      watch.until(async () => {
        probes++;
        return 'recorded';
      }, 60_000),
    ).resolves.toBe('recorded');
    expect(probes).toBe(1);
  });

  it('reads again once its channel is subscribed again after the subscriber connection dropped, not at the deadline', async () => {
    // Its own connection name, so that only this waiter's subscriber connection is dropped.
    const name = uniqueName('it-notices-reconnect');
    const own = new Redis(REDIS_URL, { connectionName: name });
    const reconnecting = new RedisNotices(own);
    const channel = uniqueName('it-notices');
    const read: { value?: string } = {};
    let probes = 0;
    const waiting = reconnecting.waitFor(
      channel,
      async () => {
        probes++;
        return read.value;
      },
      // Far past the test's own timeout: only a read after the reconnect answers in time.
      600_000,
      (message) => message === 'mine',
    );
    while (probes === 0) await new Promise((r) => setTimeout(r, 5));
    // Recorded while the connection is down: its notice (were one published) would reach no one.
    read.value = 'written meanwhile';
    const clients = (await publisher.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    const id = clients
      .split('\n')
      .find((line) => line.includes(` name=${name} `))
      ?.match(/^id=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await publisher.call('CLIENT', 'KILL', 'ID', id!);
    await expect(waiting).resolves.toBe('written meanwhile');
    expect(probes).toBe(2);
    expect(await publisher.pubsub('NUMSUB', channel)).toEqual([channel, 1]);
    await reconnecting.close();
    await own.quit();
  }, 20_000);

  it('refuses at once a watch that would subscribe, on a connection that refuses commands while Redis is down', async () => {
    // As @gpux/platform's fail-fast.ts leaves the gateway's connection while Redis is down: its
    // SUBSCRIBE would wait in the subscriber's own queue for reconnections (seconds).
    const own = new Redis(REDIS_URL);
    const failing = new RedisNotices(own);
    try {
      const kept = uniqueName('it-notices');
      const watch = await failing.watch(kept);
      own.options.enableOfflineQueue = false;
      const refused = await failing.watch(uniqueName('it-notices')).then(
        (w) => (w.stop(), 'watched'),
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(refused).toBe("Stream isn't writeable and enableOfflineQueue options is false");
      // A channel subscribed already needs no SUBSCRIBE: still watched.
      const again = await failing.watch(kept);
      again.stop();
      watch.stop();
    } finally {
      own.options.enableOfflineQueue = true;
      await failing.close();
      await own.quit();
    }
  });
});

describe('RedisNotices after a reconnect: the subscriber back before the connection it copies', () => {
  let server: DedicatedRedis;
  let proxy: RedisProxy;
  let client: RedisClient;
  let notices: RedisNotices;

  beforeAll(async () => {
    server = await DedicatedRedis.start();
    // The gateway's connection (failing fast while down) goes through the proxy, and so does the
    // subscriber it copies.
    proxy = await RedisProxy.start(server);
    client = new RedisClient(proxy.url, { failFastWhenDown: true });
    await client.onModuleInit();
    notices = new RedisNotices(client.redis);
  });

  afterAll(async () => {
    await notices.close();
    await client.onApplicationShutdown();
    await proxy.close();
    await server.stop();
  });

  it('wakes its waiters to read again once that connection is ready, not while it still refuses commands', async () => {
    const redis = server.client();
    const channel = uniqueName('it-notices');
    const key = uniqueName('it-notices-outcome');
    // Reads made, and reads answered.
    let probes = 0;
    let answered = 0;
    const waiting = notices
      .waitFor(
        channel,
        async () => {
          probes++;
          const value = await client.redis.get(key);
          answered++;
          return value ?? undefined;
        },
        // Far past the test's own timeout: only a read after the reconnect answers in time.
        600_000,
        (message) => message === 'mine',
      )
      .then(
        (value) => ({ value }),
        (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
      );
    await waitUntil("the waiter's first read answered", () => answered === 1);
    const before = await subscriberIds(redis);
    expect(before).toHaveLength(1);

    // Both connections cut; the main one, once connected again, is held at its ready check (not
    // ready, it refuses commands: fail-fast.ts), while the subscriber (no ready check) is ready.
    proxy.hold('info');
    proxy.drop();
    // Recorded while the subscriber is away: its notice would reach no one.
    await redis.set(key, 'recorded meanwhile');
    await proxy.held();
    await waitUntil('the subscriber connection back, and the channel subscribed on it', async () => {
      const now = await subscriberIds(redis);
      const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
      return now.length === 1 && !before.includes(now[0]!) && Number(count) === 1;
    });
    // A channel first subscribed now: its SUBSCRIBE goes after the resubscription's, so once its
    // notice is heard, the resubscription has run, and what followed it (the waiters woken, before)
    // too.
    const marker = uniqueName('it-notices-marker');
    const heard: string[] = [];
    const stopListening = await notices.listen(marker, (message) => message && heard.push(message));
    await redis.publish(marker, 'through');
    await waitUntil('the notice through the subscriber connection', () => heard.includes('through'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.redis.status).not.toBe('ready');

    proxy.release();
    stopListening();
    // Before, the waiter read on the main connection while it refused commands, and failed.
    expect(await waiting).toEqual({ value: 'recorded meanwhile' });
    expect(probes).toBe(2);
  }, 30_000);

  it('passes on no notice that concerns a waiter before that connection is ready: the waiter reads once it is', async () => {
    const redis = server.client();
    const channel = uniqueName('it-notices');
    const key = uniqueName('it-notices-outcome');
    let answered = 0;
    let settled = false;
    const waiting = notices
      .waitFor(
        channel,
        async () => {
          const value = await client.redis.get(key);
          answered++;
          return value ?? undefined;
        },
        600_000,
        (message) => message === 'mine',
      )
      .then(
        (value) => ({ value }),
        (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => (settled = true));
    await waitUntil("the waiter's first read answered", () => answered === 1);
    const before = await subscriberIds(redis);

    proxy.hold('info');
    proxy.drop();
    await redis.set(key, 'recorded meanwhile');
    await proxy.held();
    await waitUntil('the subscriber connection back, and the channel subscribed on it', async () => {
      const now = await subscriberIds(redis);
      const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
      return now.length === 1 && !before.includes(now[0]!) && Number(count) === 1;
    });
    // A channel first subscribed now is live on the new connection: its notice, published after the
    // waiter's, shows that the subscriber has had the waiter's.
    const marker = uniqueName('it-notices-marker');
    const heard: string[] = [];
    const stopListening = await notices.listen(marker, (message) => message && heard.push(message));
    await redis.publish(channel, 'mine');
    await redis.publish(marker, 'after mine');
    await waitUntil('the marker heard', () => heard.includes('after mine'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.redis.status).not.toBe('ready');
    // Before, the notice woke the waiter, whose read on the connection refusing commands failed.
    expect(settled).toBe(false);

    proxy.release();
    stopListening();
    expect(await waiting).toEqual({ value: 'recorded meanwhile' });
  }, 30_000);
});
