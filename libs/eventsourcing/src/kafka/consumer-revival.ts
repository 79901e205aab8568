/**
 * kafkajs gives up on a consumer for good (its CRASH event with `restart: false`) after an error
 * it calls final: the group refusing the member (an instance of another version joining with
 * other partition assignors, "the group member's supported protocols are incompatible"), an
 * authorization the broker withdrew, and the like. The consumer is then disconnected, nothing reads
 * its partitions until the process is restarted, and the process stays up: a projection stalls,
 * a service's commands wait unanswered. Most such causes pass (the other instance leaves, the ACL
 * is restored), so the consumer is started again after a pause, twice as long after each failure
 * up to a cap, and the time it has been down is there for /health meanwhile. A crash kafkajs
 * restarts by itself is left to kafkajs.
 */

export interface ConsumerCrash {
  error: unknown;
  restart: boolean;
}

/** Why the consumer is not running: kafkajs' last error, since when (ms), how many starts failed. */
export interface ConsumerDown {
  error: string;
  since: number;
  attempts: number;
}

export interface ConsumerRevivalOptions {
  /** Names the consumer in log lines (e.g. `projection orders`). */
  what: string;
  logger: { error(message: object): void; log(message: object): void };
  /** Starts a new consumer (the crashed one is already disconnected): its GROUP_JOIN calls joined(). */
  start: () => Promise<void>;
  /** The first pause (default 1 s), doubled after every failed start up to maxDelayMs (default 30 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  now?: () => number;
}

export class ConsumerRevival {
  private timer: NodeJS.Timeout | undefined;
  private state: ConsumerDown | undefined;
  private stopped = false;
  /** Resolved by the first join since the owner started (resume()), or by its stop. */
  private join = settledJoin();

  constructor(private readonly options: ConsumerRevivalOptions) {}

  /** kafkajs' CRASH: one it does not restart itself makes the consumer down, started again after a pause. */
  crashed({ error, restart }: ConsumerCrash): void {
    if (restart || this.stopped) return;
    const now = (this.options.now ?? Date.now)();
    const attempts = (this.state?.attempts ?? 0) + 1;
    this.state = { error: String(error), since: this.state?.since ?? now, attempts };
    const delayMs = this.delayMs(attempts);
    this.options.logger.error({
      msg: 'consumer stopped by kafkajs for good: starting a new one',
      consumer: this.options.what,
      error: this.state.error,
      attempts,
      inMs: delayMs,
    });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.options.start().catch((failed: unknown) => this.crashed({ error: failed, restart: false }));
    }, delayMs);
    this.timer.unref();
  }

  /** The consumer joined its group: it runs (again). */
  joined(): void {
    this.join.resolve();
    if (!this.state) return;
    this.options.logger.log({
      msg: 'consumer running again',
      consumer: this.options.what,
      downMs: (this.options.now ?? Date.now)() - this.state.since,
    });
    this.state = undefined;
  }

  /** Null while the consumer runs (or kafkajs restarts it); otherwise why it is down. */
  down(): ConsumerDown | null {
    return this.state ? { ...this.state } : null;
  }

  /**
   * Resolves once the consumer has joined its group since its owner started it (its partitions
   * are assigned: it can do its work), or once the owner stops. A join kafkajs retries, or one
   * made by a consumer started again after a crash, counts.
   */
  untilJoined(): Promise<void> {
    return this.join.promise;
  }

  /** Its owner starts (again): crashes are answered from now on, and its join is waited for. */
  resume(): void {
    this.stopped = false;
    this.join.resolve();
    this.join = pendingJoin();
  }

  /** No more starts (the owner is stopping), until resume(). */
  stop(): void {
    this.stopped = true;
    this.join.resolve();
    this.state = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private delayMs(attempts: number): number {
    const initial = this.options.initialDelayMs ?? 1_000;
    return Math.min(this.options.maxDelayMs ?? 30_000, initial * 2 ** Math.min(attempts - 1, 20));
  }
}

interface Join {
  promise: Promise<void>;
  resolve: () => void;
}

function pendingJoin(): Join {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function settledJoin(): Join {
  return { promise: Promise.resolve(), resolve: () => undefined };
}
