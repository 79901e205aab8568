import type { Envelope } from '@gpux/contracts';

/** A command a process manager asks another service (or its own) to carry out. */
export interface EmittedCommand {
  type: string;
  subject: string;
  data: unknown;
}

/**
 * A process manager (docs/architecture.md §3): reacts to events of one service by emitting commands, purely.
 * Exactly-once comes from the loop that runs it; ids and idempotency keys of what it emits are
 * derived from the event, so even a replayed event would be recognised by the target.
 */
export interface ProcessManager {
  name: string;
  /** The commands for one event; [] for events it does not care about. */
  react(event: Envelope): EmittedCommand[];
}
