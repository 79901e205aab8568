import type { KafkaMessage, Message } from 'kafkajs';

export const DEAD_LETTER_HEADERS = {
  reason: 'dlq_reason',
  topic: 'dlq_topic',
  partition: 'dlq_partition',
  offset: 'dlq_offset',
} as const;

/** The message as it arrived, with where it came from and why it could not be processed. */
export function deadLetter(
  message: KafkaMessage,
  from: { topic: string; partition: number },
  reason: string,
): Message {
  return {
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
}
