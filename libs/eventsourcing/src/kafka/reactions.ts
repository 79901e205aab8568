import { Envelope, MessageRegistry, WireMessage } from '@gpux/contracts';
import { KafkaMessage, Message } from 'kafkajs';
import { Span, SpanKind } from '@opentelemetry/api';
import { contextOf, traceHeadersOfSpan, tracer } from '@gpux/platform';
import { reactionCommandId } from '../domain/derived-id';
import { EmittedCommand, ProcessManager } from '../domain/process-manager';

/**
 * On an event written by a partition worker that runs process managers inline: their names,
 * comma-separated. Their commands for that event were written in the event's own transaction, so
 * a ProcessManagerRunner of one of them passes the event by (docs/event-flows.md, "Reactions in
 * the writer's transaction").
 */
export const REACTED_HEADER = 'gpux_reacted';

/** True when `manager`'s commands for this event were written with it, by its writer. */
export function reactedInline(message: KafkaMessage, manager: string): boolean {
  const names = message.headers?.[REACTED_HEADER]?.toString();
  return names !== undefined && names.split(',').includes(manager);
}

/**
 * The commands a process manager emits for one event, as written: the same ids and idempotency
 * keys whoever writes them (the event's own writer in its transaction, or a ProcessManagerRunner),
 * derived from the manager's name, the event's id and the command's place, so a target that is
 * sent one twice answers the second as a retry. Each event that leads to commands gets a span (a
 * child of the event's), which its commands carry on; the caller ends it with its transaction.
 * Throws when a command does not validate against the registry.
 */
export function emittedCommands(
  manager: ProcessManager,
  registry: MessageRegistry,
  event: Envelope,
): { commands: WireMessage[]; span?: Span } {
  const emitted: EmittedCommand[] = manager.react(event);
  if (emitted.length === 0) return { commands: [] };
  const span = tracer().startSpan(
    `react ${manager.name} ${event.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'gpux.event.type': event.type,
        'gpux.subject': event.subject,
        'gpux.correlation_id': event.correlationId,
        'gpux.commands': emitted.length,
      },
    },
    contextOf(event),
  );
  try {
    const traced = traceHeadersOfSpan(span);
    const commands = emitted.map((c, i) => {
      const id = reactionCommandId(manager.name, event.id, i);
      return registry.encode({
        id,
        type: c.type,
        source: `pm.${manager.name}`,
        subject: c.subject,
        time: new Date().toISOString(),
        schemaVersion: registry.currentVersion(c.type),
        correlationId: event.correlationId,
        causationId: event.id,
        idempotencyKey: id,
        ...traced,
        data: c.data,
      });
    });
    return { commands, span };
  } catch (error) {
    span.end();
    throw error;
  }
}

/** A process manager run inside the partition worker that writes the events it reacts to. */
export interface InlineReaction {
  manager: ProcessManager;
  /** Encodes the commands it emits (the target service's messages). */
  registry: MessageRegistry;
  /** The commands topic they are written to. */
  topic: string;
}

/** Messages grouped by their topic, in order. */
export function byTopic(items: { topic: string; message: Message }[]): Map<string, Message[]> {
  const grouped = new Map<string, Message[]>();
  for (const { topic, message } of items) {
    const list = grouped.get(topic);
    if (list) list.push(message);
    else grouped.set(topic, [message]);
  }
  return grouped;
}
