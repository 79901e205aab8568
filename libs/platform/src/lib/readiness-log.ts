import type { HealthCheckResult } from '@nestjs/terminus';

/** A line the service logs, at `level`. */
export type ReadinessLine = (level: 'warn' | 'log', line: Record<string, unknown>) => void;

/**
 * Logs readiness when it changes, not at every probe: a line when checks go down (each one's
 * message as it was then), again when the set of checks down changes, and one when all are up
 * again. A start (consumers joining), an outage or a shutdown is probed every second or so by
 * `npm start`, compose and orchestrators; Terminus' own log said "Health Check has failed!" at
 * error level for each probe, dozens of error lines in a normal start. A check's message may
 * change at each probe (how long a consumer has been down), so only which checks are down counts.
 */
export class ReadinessLog {
  /** The checks down at the last probe, as one key; undefined before the first probe. */
  private last: string | undefined;

  constructor(private readonly write: ReadinessLine) {}

  /** What a probe found: `error` holds the checks that are down (Terminus' result). */
  saw(result: Pick<HealthCheckResult, 'error'>): void {
    const down = Object.entries(result.error ?? {});
    const key = down
      .map(([name]) => name)
      .sort()
      .join(',');
    if (key === this.last) return;
    const before = this.last;
    this.last = key;
    if (down.length === 0) {
      if (before) this.write('log', { msg: 'ready again', wasDown: before.split(',') });
      return;
    }
    this.write('warn', {
      msg: 'not ready',
      down: Object.fromEntries(down.map(([name, detail]) => [name, detail?.['message'] ?? detail])),
    });
  }
}
