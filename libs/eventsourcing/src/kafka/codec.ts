import type { WireMessage } from '@gpux/contracts';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/** kafkajs headers (Buffers, strings or arrays of them) as the contracts' string map. */
function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

export function fromKafka(message: KafkaMessage): WireMessage {
  return {
    key: message.key?.toString() ?? '',
    value: message.value?.toString() ?? '',
    headers: headersOf(message.headers),
  };
}

export function toKafka(wire: WireMessage): Message {
  return { key: wire.key, value: wire.value, headers: wire.headers };
}

/**
 * Retries of transactional producers. The coordinator answers CONCURRENT_TRANSACTIONS while it
 * finishes writing the previous commit's markers (a few ms): retry soon and keep retrying soon.
 * The client's default (from 300 ms) made every transaction wait, and backing off to a second
 * made a tail of one-second stalls under load. About three seconds in all before giving up.
 */
export const TRANSACTION_RETRY = { initialRetryTime: 5, maxRetryTime: 50, retries: 60 } as const;

const CONCURRENT = /CONCURRENT_TRANSACTIONS|another concurrent operation on the same transaction/;

/**
 * Runs a step of a transaction again while the coordinator answers CONCURRENT_TRANSACTIONS. The
 * client retries that answer for some requests but not for AddOffsetsToTxn: when a transaction's
 * first step is its offsets (nothing to write), it failed, the batch was read again and the
 * partition's producer re-created, a stall of seconds under load.
 */
export async function whileConcurrent<T>(step: () => Promise<T>, onRetry?: () => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      const e = error as { type?: string; message?: string };
      if (
        attempt >= TRANSACTION_RETRY.retries ||
        !(CONCURRENT.test(e.type ?? '') || CONCURRENT.test(e.message ?? ''))
      )
        throw error;
      onRetry?.();
      await new Promise((r) =>
        setTimeout(
          r,
          Math.min(TRANSACTION_RETRY.initialRetryTime * 2 ** attempt, TRANSACTION_RETRY.maxRetryTime),
        ),
      );
    }
  }
}
