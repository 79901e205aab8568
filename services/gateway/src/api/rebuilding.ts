import type { ApolloServerPlugin } from '@apollo/server';
import { Logger } from '@nestjs/common';
import { capacityReadModel, ordersReadModel, pricingReadModel, settlementReadModel } from '@gpux/contracts';
import { projectionKeys, redisScript } from '@gpux/eventsourcing';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { ChainableCommander, default as Redis } from 'ioredis';
import { UNAVAILABLE_RETRY_MS, unavailableHead } from './unavailable';

const SETTLEMENT = settlementReadModel.name;
const ORDERS = ordersReadModel.name;
const CAPACITY = capacityReadModel.name;
const PRICING = pricingReadModel.name;

/** Every read model the gateway answers from. */
export const READ_MODELS: readonly string[] = [SETTLEMENT, ORDERS, CAPACITY, PRICING];
export const REBUILD_RETRY_MS = 1_000;
const logger = new Logger('rebuilding');

/**
 * The read models each root query field reads, itself or through the fields under it. A root
 * field not listed here is taken to read them all.
 */
export const MODELS_OF_QUERY: Readonly<Record<string, readonly string[]>> = {
  system: [],
  errorCodes: [],
  // The key in use, as authentication found it (which waits on its own read models).
  viewer: [],
  me: [SETTLEMENT, ORDERS],
  account: [SETTLEMENT, ORDERS],
  myLeases: [SETTLEMENT],
  myOrders: [ORDERS],
  myFills: [ORDERS],
  buyingPower: [ORDERS],
  order: [ORDERS],
  node: [CAPACITY, ORDERS],
  gpuNode: [CAPACITY, ORDERS],
  nodes: [CAPACITY, ORDERS],
  myNodes: [CAPACITY, ORDERS],
  market: [ORDERS, PRICING, CAPACITY],
  markets: [ORDERS, PRICING, CAPACITY],
};

/**
 * The read models the first message of each subscription that sends the view as it stands first
 * (pubsub.ts' `snapshot`) reads: that message is a read like a query's, so it is refused while one
 * of them is rebuilt, as a query is. Admitted, it was read from the model mid-refold and sent as
 * the market as it stands: a book or a ticker as far as pricing had refolded them (empty, without
 * the last trade); a node as far as capacity had. The other subscriptions send what changes only,
 * and go ahead.
 */
export const MODELS_OF_FIRST_VIEW: Readonly<Record<string, readonly string[]>> = {
  bookUpdated: [ORDERS, PRICING],
  tickerUpdated: [ORDERS, PRICING],
  // As the node query (MODELS_OF_QUERY.node): the same view.
  nodeStatusChanged: [CAPACITY, ORDERS],
  // As myOrders(filter: { live: true }). tradeExecuted's (with after) is read with its check
  // (ReadModelWatch.readWhole): without after it reads only whether the market is closed, and
  // goes ahead.
  myOrderUpdated: [ORDERS],
};

/**
 * The read models an operation's root fields read (none for `__typename` and introspection alone);
 * for a subscription, those its first message reads (MODELS_OF_FIRST_VIEW), none for the others.
 * A fragment at the root (inline, or spread from `document`) reads what its fields read; one the
 * document does not hold is taken to read them all. Before, any fragment at the root read them
 * all: a subscription so written was refused during any rebuild.
 */
export function modelsOf(operation: OperationDefinitionNode, document?: DocumentNode): string[] {
  const models = new Set<string>();
  const subscription = operation.operation === 'subscription';
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) {
        walk(s.selectionSet);
        continue;
      }
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const name = s.name.value;
        const fragment = document?.definitions.find(
          (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === name,
        );
        if (fragment?.kind !== Kind.FRAGMENT_DEFINITION) for (const m of READ_MODELS) models.add(m);
        else if (!seen.has(name)) {
          seen.add(name);
          walk(fragment.selectionSet);
        }
        continue;
      }
      if (s.name.value.startsWith('__')) continue;
      const listed = subscription
        ? (MODELS_OF_FIRST_VIEW[s.name.value] ?? [])
        : MODELS_OF_QUERY[s.name.value];
      for (const m of listed ?? READ_MODELS) models.add(m);
    }
  };
  walk(operation.selectionSet);
  return [...models];
}

export const unavailableError = () =>
  new GraphQLError(
    'a read model is being rebuilt from Kafka (Redis was flushed, or its service has not folded it yet): retry in a second',
    {
      extensions: { code: 'UNAVAILABLE', retryAfterMs: REBUILD_RETRY_MS },
    },
  );

/**
 * Whether each of `models` is whole, from its epoch and rebuilding marker as read (MGET of
 * markerKeys): not while its rebuilding marker is set (a reset's refold has not reached the log's
 * end yet, readModelRebuilding in libs/eventsourcing), nor while it has no epoch at all. A runner
 * sets the epoch when it first starts on a model, even on a brand-new deployment with an empty log
 * (resetReadModel: no marker then, nothing to refold), so a model without one has never been folded
 * since Redis lost it (FLUSHALL, a restart without persistence) or since it began: its service has
 * not reset it yet, and a key missing from it says nothing. The gateway cannot tell that from a
 * model it has watched before or not (one started after the flush never saw the epoch), so it
 * never takes an empty model without an epoch for a whole one.
 */
export function modelsRebuilding(models: readonly string[], values: readonly (string | null)[]): string[] {
  return models.filter((_, i) => values[2 * i] === null || values[2 * i + 1] !== null);
}

/** The keys that say whether `models` are whole: each one's epoch, then its rebuilding marker. */
export function markerKeys(models: readonly string[]): string[] {
  return models.flatMap((name) => [projectionKeys(name).epoch, projectionKeys(name).rebuilding]);
}

/**
 * A model's markers (markerKeys) and one hash of it, in one script call: as atomic as readWhole's
 * `MULTI`, in one command where that is four (`MULTI`, `MGET`, `HGETALL`, `EXEC`). `false` keeps a
 * missing marker in its place (a Lua nil would end the list there).
 */
const READ_HASH_WHOLE = redisScript(`local markers = redis.call('MGET', KEYS[1], KEYS[2])
return {markers[1] or false, markers[2] or false, redis.call('HGETALL', KEYS[3])}`);

/** Reads made together with the check that their models are whole (ReadModelWatch.readWhole). */
export interface WholeRead {
  /** The models among those asked that are not whole: what was read from them means nothing yet. */
  rebuilding: string[];
  /** Each model's epoch as the reads saw it: equal epochs, and no rebuild, mean the same fold. */
  epochs: (string | null)[];
  /** The replies of the reads, in order. */
  results: unknown[];
}

/**
 * Whether the read models the gateway answers from are whole. A rebuild that was asked for never
 * shows here: it is built in a generation beside the model and switched to in one step
 * (libs/eventsourcing/src/redis/generation-build.ts), so the model stays whole throughout. A flush
 * leaves nothing to answer from: the model is then not whole until its runner has reset it (a new
 * epoch) and refolded the log up to its end as it was at the reset (the marker gone): see
 * modelsRebuilding.
 */
export class ReadModelWatch {
  constructor(private readonly redis: Redis) {}

  /** The models among `models` that are being rebuilt now (one MGET). */
  async rebuilding(models: readonly string[] = READ_MODELS): Promise<string[]> {
    if (models.length === 0) return [];
    return modelsRebuilding(models, await this.redis.mget(...markerKeys(models)));
  }

  /**
   * `reads` queued in one MULTI after the check of whether `models` are whole, so that nothing
   * (a FLUSHALL) runs between the check and the reads: a key found missing in a model found whole
   * is missing from the whole model. A read that fails rejects, as a command would.
   */
  async readWhole(models: readonly string[], reads: (tx: ChainableCommander) => unknown): Promise<WholeRead> {
    const tx = this.redis.multi().mget(...markerKeys(models));
    reads(tx);
    const replies = await tx.exec();
    if (!replies) throw new Error('the Redis transaction was discarded');
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
    const [[, values], ...results] = replies as [
      [Error | null, (string | null)[]],
      ...[Error | null, unknown][],
    ];
    return {
      rebuilding: modelsRebuilding(models, values),
      epochs: models.map((_, i) => values[2 * i] ?? null),
      results: results.map(([, result]) => result),
    };
  }

  /**
   * One hash of `model` (`key`, as HGETALL answers it: {} when there is none), read with the check
   * that the model is whole, as readWhole would read it. An API key is read so on every request:
   * through ioredis on this machine about 5 µs of the caller's CPU against the `MULTI`'s 18
   * (bench/README.md).
   */
  async readHashWhole(model: string, key: string): Promise<WholeRead> {
    const reply = (await READ_HASH_WHOLE(this.redis, [...markerKeys([model]), key], [])) as [
      string | null,
      string | null,
      string[],
    ];
    const [epoch, rebuildingMarker, flat] = reply;
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
    return {
      rebuilding: modelsRebuilding([model], [epoch, rebuildingMarker]),
      epochs: [epoch],
      results: [hash],
    };
  }

  /**
   * Why a query, or a subscription whose first message is the view as it stands, cannot be
   * answered now, or undefined: read while a model it reads is rebuilt, it would read part of it
   * (a balance not yet refolded whole). Mutations go ahead (a command goes to Kafka, and its
   * outcome waits for the model), and so do the subscriptions that send what changes only.
   */
  async refusal(
    operation: OperationDefinitionNode,
    document?: DocumentNode,
  ): Promise<GraphQLError | undefined> {
    if (operation.operation === 'mutation') return undefined;
    return (await this.rebuilding(modelsOf(operation, document))).length > 0 ? unavailableError() : undefined;
  }

  /**
   * "Not found" while a model is rebuilt may be "not refolded yet": a NOT_FOUND answered meanwhile
   * becomes the retryable UNAVAILABLE. Only answers that hold a NOT_FOUND pay for the check. Never
   * rejects: with Redis out of reach the check cannot tell, and a NOT_FOUND that may be false is
   * UNAVAILABLE too (retrying costs less than giving up on what exists); thrown, it closed a
   * WebSocket 4500 with ioredis' words.
   */
  async withoutFalseNotFound(errors: readonly GraphQLFormattedError[]): Promise<GraphQLFormattedError[]> {
    const notFound = (e: GraphQLFormattedError) => e.extensions?.['code'] === 'NOT_FOUND';
    if (!errors.some(notFound)) return [...errors];
    let why: string;
    let retryAfterMs: number;
    try {
      if ((await this.rebuilding()).length === 0) return [...errors];
      [why, retryAfterMs] = ['a read model is being rebuilt from Kafka', REBUILD_RETRY_MS];
    } catch (error) {
      logger.warn({
        msg: 'whether a read model is being rebuilt could not be read: NOT_FOUND answered UNAVAILABLE',
        error: error instanceof Error ? error.message : String(error),
      });
      [why, retryAfterMs] = [
        'Redis cannot be reached to tell whether it is only not rebuilt yet',
        UNAVAILABLE_RETRY_MS,
      ];
    }
    return errors.map((e) =>
      notFound(e)
        ? {
            ...e,
            message: `${e.message} (${why}: retry in a second)`,
            extensions: { code: 'UNAVAILABLE', retryAfterMs },
          }
        : e,
    );
  }
}

/**
 * The watch on every HTTP request: refused queries, and NOT_FOUND made UNAVAILABLE; then the HTTP
 * head of any answer that holds an UNAVAILABLE (rebuilding, or Redis or Kafka down):
 * Retry-After, and 503 when nothing was answered (api/unavailable.ts).
 */
export function rebuildingPlugin(watch: ReadModelWatch): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document }) {
          const refusal = operation ? await watch.refusal(operation, document) : undefined;
          if (refusal) throw refusal;
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors?.length) return;
          const result = response.body.singleResult;
          result.errors = await watch.withoutFalseNotFound(result.errors ?? []);
          // Here, once the errors are final (Apollo runs the plugins' willSendResponse together).
          const head = unavailableHead(result, response.http.status);
          if (!head) return;
          response.http.headers.set('retry-after', String(head.retryAfterSeconds));
          if (head.status) response.http.status = head.status;
        },
      };
    },
  };
}
