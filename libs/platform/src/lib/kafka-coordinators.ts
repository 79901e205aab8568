import type { Kafka } from 'kafkajs';

/**
 * Remembered coordinators. kafkajs 2.2.4 asks a broker for the coordinator (FindCoordinator) before
 * every transactional request: the transaction coordinator before AddPartitionsToTxn,
 * AddOffsetsToTxn and EndTxn, the group coordinator before TxnOffsetCommit (its
 * producer/eosManager). That is four extra round trips in each transaction of a partition worker,
 * nine in all instead of five, each waited for in turn. A coordinator moves only when a broker
 * fails or the coordinator partitions move; the Java client looks it up again only when a request
 * is answered NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE, or its broker is gone.
 *
 * This remembers which broker coordinates each (type, key) and forgets it when any request sent to
 * that coordinator through it fails (the stale-coordinator errors, a lost connection, anything), and
 * after `maxAgeMs` in any case. The lookup is routing only: a request sent to a broker that is no
 * longer the coordinator is refused by it, the transaction aborts as on any broker error, and the
 * next lookup asks the broker again. Nothing about what a transaction writes changes.
 */
export class CoordinatorCache<B extends object> {
  private readonly known = new Map<string, { nodeId: number; at: number }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The coordinator of `key`: a remembered node id is turned into its broker by `broker` (no
   * request: the pool's connection, reconnected if it was lost), else `find` asks a broker. What is
   * returned forgets the node when one of its calls fails.
   */
  async coordinator(
    key: string,
    find: () => Promise<B & { nodeId: number }>,
    broker: (nodeId: number) => Promise<B>,
  ): Promise<B> {
    const hit = this.known.get(key);
    if (hit && this.now() - hit.at < this.maxAgeMs) {
      // A remembered node that cannot be reached is forgotten and looked up again at once, as
      // kafkajs would have: the caller never sees an error the lookup itself would not give.
      const remembered = await broker(hit.nodeId).catch(() => undefined);
      if (remembered) return this.forgettingOnFailure(key, remembered);
      this.known.delete(key);
    }
    const fresh = await find();
    this.known.set(key, { nodeId: fresh.nodeId, at: this.now() });
    return this.forgettingOnFailure(key, fresh);
  }

  /** Whether `key`'s coordinator is remembered (for tests). */
  remembers(key: string): boolean {
    return this.known.has(key);
  }

  /** The broker, each of whose asynchronous calls forgets `key` when it fails (then fails as it did). */
  private forgettingOnFailure(key: string, broker: B): B {
    const forget = () => this.known.delete(key);
    return new Proxy(broker, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          let result: unknown;
          try {
            result = (value as (...a: unknown[]) => unknown).apply(target, args);
          } catch (error) {
            forget();
            throw error;
          }
          if (result instanceof Promise)
            return result.catch((error: unknown) => {
              forget();
              throw error;
            });
          return result;
        };
      },
    });
  }
}

/** The part of kafkajs' (internal) Cluster this uses. */
interface Cluster {
  findGroupCoordinator(args: {
    groupId: string;
    coordinatorType?: number;
  }): Promise<object & { nodeId: number }>;
  findBroker(args: { nodeId: number }): Promise<object>;
}

const CREATE_CLUSTER = 'private:Kafka:createCluster';

/**
 * Makes every cluster `kafka` creates (one per producer, consumer and admin) remember its
 * coordinators (`CoordinatorCache`). kafkajs creates clusters through a private factory on the
 * client; when a kafkajs version has none of that name this changes nothing and returns false.
 */
export function rememberCoordinators(kafka: Kafka, maxAgeMs = 30_000): boolean {
  const holder = kafka as unknown as Record<symbol, unknown>;
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER);
  const create = symbol && holder[symbol];
  if (!symbol || typeof create !== 'function') return false;
  holder[symbol] = (...args: unknown[]) => {
    const cluster = (create as (...a: unknown[]) => Cluster)(...args);
    if (typeof cluster.findGroupCoordinator !== 'function' || typeof cluster.findBroker !== 'function')
      return cluster;
    const find = cluster.findGroupCoordinator.bind(cluster);
    const cache = new CoordinatorCache<object>(maxAgeMs);
    cluster.findGroupCoordinator = (args) =>
      cache.coordinator(
        `${args.coordinatorType ?? 0}:${args.groupId}`,
        () => find(args),
        (nodeId) => cluster.findBroker({ nodeId }),
      ) as Promise<object & { nodeId: number }>;
    return cluster;
  };
  return true;
}
