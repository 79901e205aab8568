import type { ApolloServerPlugin } from '@apollo/server';
import { capacityReadModel, ordersReadModel, pricingReadModel, settlementReadModel } from '@gpux/contracts';
import { readModelRebuilding } from '@gpux/eventsourcing';
import type { GraphQLFormattedError } from 'graphql';
import type Redis from 'ioredis';

/** Every read model the gateway answers from. */
export const READ_MODELS: readonly string[] = [
  settlementReadModel.name,
  ordersReadModel.name,
  capacityReadModel.name,
  pricingReadModel.name,
];
export const REBUILD_RETRY_MS = 1_000;

/** True while any read model the gateway reads is lost (Redis flushed) or being refolded. */
export async function anyRebuilding(redis: Redis): Promise<boolean> {
  const states = await Promise.all(READ_MODELS.map((name) => readModelRebuilding(redis, name)));
  return states.some(Boolean);
}

/**
 * While a read model is rebuilt from Kafka a thing that exists may not have been refolded yet, so
 * "not found" cannot be told apart from "not yet": a NOT_FOUND answered meanwhile becomes the
 * retryable UNAVAILABLE. Only answers that hold a NOT_FOUND pay for the check.
 */
export async function withoutFalseNotFound(
  redis: Redis,
  errors: readonly GraphQLFormattedError[],
): Promise<GraphQLFormattedError[]> {
  const notFound = (e: GraphQLFormattedError) => e.extensions?.['code'] === 'NOT_FOUND';
  if (!errors.some(notFound) || !(await anyRebuilding(redis))) return [...errors];
  return errors.map((e) =>
    notFound(e)
      ? {
          ...e,
          message: `${e.message} (a read model is being rebuilt from Kafka: retry in a second)`,
          extensions: { code: 'UNAVAILABLE', retryAfterMs: REBUILD_RETRY_MS },
        }
      : e,
  );
}

/** withoutFalseNotFound on every HTTP answer. */
export function rebuildingPlugin(redis: Redis): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors?.length) return;
          response.body.singleResult.errors = await withoutFalseNotFound(
            redis,
            response.body.singleResult.errors,
          );
        },
      };
    },
  };
}
