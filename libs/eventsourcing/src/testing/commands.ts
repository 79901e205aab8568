import { randomUUID } from 'node:crypto';
import { Envelope, HEADERS, MessageRegistry } from '@gpux/contracts';
import type { Message } from 'kafkajs';
import { toKafka } from '../kafka/codec';

/** A client's command as it would arrive on the wire (for tests and benchmarks). */
export function commandMessage(
  registry: MessageRegistry,
  command: { type: string; subject: string; data: unknown; idempotencyKey?: string },
): Message {
  const id = randomUUID();
  const envelope: Envelope = {
    id,
    type: command.type,
    source: 'test-client',
    subject: command.subject,
    time: new Date().toISOString(),
    schemaVersion: registry.currentVersion(command.type),
    correlationId: id,
    causationId: null,
    idempotencyKey: command.idempotencyKey ?? id,
    data: command.data,
  };
  return toKafka(registry.encode(envelope));
}

export const headerOf = (record: { headers: Record<string, string> }, name: keyof typeof HEADERS) =>
  record.headers[HEADERS[name]];
