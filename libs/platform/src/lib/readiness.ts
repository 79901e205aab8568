import { Injectable, OnModuleDestroy } from '@nestjs/common';

/** Why the service cannot do its work yet, or no more: readiness' `startup` check, down. */
export interface NotReady {
  message: string;
  /** What it still waits for: its consumer groups whose partitions are not assigned yet. */
  waitingFor?: string[];
}

/**
 * What a service waits for before it can do its work, beyond its dependencies: its consumers
 * joining their groups. The HTTP server listens before they have (a join waits at the broker up
 * to a session timeout after a crash), so `/health/live` answers at once, while readiness says
 * what is still waited for; and it says the service is stopping from the first moment of its
 * shutdown, before it leaves its groups.
 */
@Injectable()
export class Readiness implements OnModuleDestroy {
  private readonly waiting = new Set<string>();
  private readonly starts: Promise<void>[] = [];
  private failed: string | undefined;
  private stopping = false;
  private stop = (): void => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.stop = resolve));

  /**
   * `what` (e.g. `consumer group orders.command-processor`) is waited for until `joined`
   * resolves; a rejection fails the start (started()), and readiness says so.
   */
  waitFor(what: string, joined: Promise<void>): void {
    this.waiting.add(what);
    const start = joined.then(() => void this.waiting.delete(what));
    start.catch((error: unknown) => {
      this.failed ??= `${what} failed to start: ${error instanceof Error ? error.message : String(error)}`;
    });
    this.starts.push(start);
  }

  /**
   * Resolves once everything waited for is there, or once the service stops (a start cut short
   * by a shutdown is no failure: notReady() then says it is stopping); rejects with the first
   * that failed to start.
   */
  async started(): Promise<void> {
    await Promise.race([Promise.all(this.starts), this.stopped]);
  }

  /** Null once the service can do its work; why not, otherwise. */
  notReady(): NotReady | null {
    if (this.stopping) return { message: 'the service is stopping' };
    if (this.failed) return { message: this.failed };
    if (this.waiting.size === 0) return null;
    const waitingFor = [...this.waiting];
    return {
      message: `starting: waiting for ${waitingFor.join(', ')} to join (partitions not assigned yet)`,
      waitingFor,
    };
  }

  /** The first shutdown hook Nest calls: unready before any consumer leaves its group. */
  onModuleDestroy(): void {
    this.stopping = true;
    this.stop();
  }
}
