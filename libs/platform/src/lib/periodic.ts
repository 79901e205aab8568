import { Logger } from '@nestjs/common';

/**
 * Work a service repeats on a timer (metering leases, watching nodes): one pass at a time (a slow
 * pass is never overlapped by the next), a failed pass logged and retried at the next interval,
 * and `stop` waits for the pass in progress.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<unknown>,
    private readonly logger = new Logger(name),
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.pass()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger.warn({
            msg: `${this.name} failed; retried next interval`,
            error: error instanceof Error ? error.message : String(error),
          }),
        )
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
