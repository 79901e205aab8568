import { createServer, connect, type Server, type Socket } from 'node:net';
import type Redis from 'ioredis';

/** One client connection through the proxy, and its own connection to Redis. */
interface Link {
  client: Socket;
  upstream: Socket;
  /** What the client sent from the held command on, not forwarded yet (only while held). */
  held?: Buffer[];
  /** The last bytes the client sent, so that a command split between two chunks is still seen. */
  tail: string;
}

/**
 * A TCP proxy (node `net`) in front of a redis-server, for tests of what a client does while one
 * of its connections is back and another is not: `drop` cuts every connection through it, as a
 * network fault would (Redis stays up, with its data); `hold` keeps back, on each connection, what
 * its client sends from a given command on, until `release`. Held at its ready check (`hold('info')`),
 * a connection that has one (ioredis' default) stays connected but not ready, while a subscriber
 * connection (which has none) through the same proxy is ready again at once: the order a real
 * reconnect usually takes.
 */
export class RedisProxy {
  private readonly links = new Set<Link>();
  /** The command (RESP, lower case, as ioredis sends it) held back, while one is. */
  private holding: string | undefined;
  private heldWaiters: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: number,
  ) {
    server.on('connection', (client) => this.link(client));
  }

  /** A proxy on a free port of 127.0.0.1 to the redis-server on `target`'s port. */
  static async start(target: { port: number }): Promise<RedisProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('the proxy has no port');
    return new RedisProxy(server, address.port, target.port);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private link(client: Socket): void {
    const upstream = connect(this.target, '127.0.0.1');
    const link: Link = { client, upstream, tail: '' };
    this.links.add(link);
    const end = () => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    // Redis' answers always go through; only what the client sends may be held.
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      if (link.held) return void link.held.push(chunk);
      const seen = link.tail + chunk.toString('latin1').toLowerCase();
      link.tail = seen.slice(-32);
      const fresh = seen.length - chunk.length;
      // Only a command that ends in this chunk: one wholly in the tail was forwarded already.
      const at =
        this.holding === undefined
          ? -1
          : seen.indexOf(this.holding, Math.max(0, fresh - this.holding.length + 1));
      if (at < 0) return void upstream.write(chunk);
      // Forwards what came before the command, holds the command and what follows.
      const before = at - fresh;
      if (before > 0) upstream.write(chunk.subarray(0, before));
      link.held = [before > 0 ? chunk.subarray(before) : chunk];
      for (const waiter of this.heldWaiters.splice(0)) waiter();
    });
  }

  /**
   * From now on, on every connection, what its client sends from `command` on (a Redis command
   * with no arguments, e.g. `info`, the ready check) is held back until `release`.
   */
  hold(command: string): void {
    const name = command.toLowerCase();
    this.holding = `*1\r\n$${name.length}\r\n${name}\r\n`;
  }

  /** Resolves once a connection has something held back (at once if one has). */
  held(): Promise<void> {
    if ([...this.links].some((link) => link.held)) return Promise.resolve();
    return new Promise((resolve) => this.heldWaiters.push(resolve));
  }

  /** Stops holding: what each connection held goes on to Redis, in order, and so does what follows. */
  release(): void {
    this.holding = undefined;
    for (const link of this.links) {
      const held = link.held;
      link.held = undefined;
      for (const chunk of held ?? []) link.upstream.write(chunk);
    }
  }

  /** Cuts every connection through the proxy now; new ones are accepted as before. */
  drop(): void {
    for (const link of [...this.links]) {
      this.links.delete(link);
      link.client.destroy();
      link.upstream.destroy();
    }
  }

  /** Cuts every connection and stops listening. */
  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The ids of the connections that Redis has in subscriber mode now (CLIENT LIST TYPE pubsub). */
export async function subscriberIds(redis: Redis): Promise<string[]> {
  const list = (await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
  return list.split('\n').flatMap((line) => line.match(/^id=(\d+)/)?.[1] ?? []);
}
