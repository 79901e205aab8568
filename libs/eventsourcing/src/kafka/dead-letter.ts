import type { KafkaMessage, Message } from 'kafkajs';
import { fitsOneBatch } from './record-batches';

export const DEAD_LETTER_HEADERS = {
  reason: 'dlq_reason',
  topic: 'dlq_topic',
  partition: 'dlq_partition',
  offset: 'dlq_offset',
  /** Set when the value was left out (its size in bytes): read it at dlq_topic, dlq_partition, dlq_offset. */
  valueOmitted: 'dlq_value_omitted',
} as const;

/**
 * The message as it arrived, with where it came from and why it could not be processed. One too
 * large to be written again with those headers (a command near the broker's limit) is kept without
 * its value, which stays where the headers say it is.
 */
export function deadLetter(
  message: KafkaMessage,
  from: { topic: string; partition: number },
  reason: string,
): Message {
  const letter: Message = {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 2000),
      [DEAD_LETTER_HEADERS.topic]: from.topic,
      [DEAD_LETTER_HEADERS.partition]: String(from.partition),
      [DEAD_LETTER_HEADERS.offset]: message.offset,
    },
  };
  if (fitsOneBatch(letter)) return letter;
  return {
    ...letter,
    value: null,
    headers: { ...letter.headers, [DEAD_LETTER_HEADERS.valueOmitted]: String(message.value?.length ?? 0) },
  };
}
