import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  CapacityCommands,
  capacityReadModel as rm,
  beatTime,
  leaseEnd,
  nodeHeartbeatKey,
} from '@gpux/contracts';
import { EventSourcingHost, readModelRebuilding } from '@gpux/eventsourcing';
import { PeriodicTask, RedisClient, SERVICE_CONFIG, ServiceMetrics } from '@gpux/platform';
import { spotClaim } from '../domain/nodes/rules/spot-claim';
import { heartbeatAges } from './metrics';

/**
 * Joined nodes whose state one round trip reads (three reads each, pipelined). Read one node at a
 * time, a tick waited for a round trip per node: with thousands of nodes joined it outlasted the
 * tick's interval and kept the service's thread busy (bench/README.md, `## watchdog`).
 */
export const WATCHDOG_READ_BATCH = 200;

/** The heartbeat's own time as an ISO string, as a command carries it; null for none or one that is no time. */
export function beatAt(beat: string | null): string | null {
  const at = beat ? Date.parse(beat) : NaN;
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

/** What the watchdog reads of a joined node. */
interface NodeRead {
  nodeId: string;
  node: Record<string, string>;
  beat: string | null;
  /** What is left of the heartbeat key's life, ms (Redis' PTTL: negative without one). */
  beatTtlMs: number;
  challenge: Record<string, string>;
}

/** A stretch of ticks, each within `maxGapMs` of the last: when it began, and its latest tick. */
export interface Watching {
  since: number;
  at: number;
}

/**
 * The watchdog's stretch of watching after a tick at `now` that read Redis: the same stretch when
 * the last tick that did was at most `maxGapMs` before, else a new one from `now`. Ticks stop while
 * Redis is unreachable or stalled (each tick waits on it), and the beats sent meanwhile were not
 * seen either; silence is judged within the stretch (NodeWatchdog.lost). Before, a Redis stall of
 * 25 s declared every joined node lost at the first tick after it, and credited their leases.
 * The first tick starts a stretch from the beginning of time: a node silent before capacity
 * started is judged as ever.
 */
export function watchingAfter(last: Watching | undefined, now: number, maxGapMs: number): Watching {
  if (!last) return { since: -Infinity, at: now };
  return { since: now - last.at > maxGapMs ? now : last.since, at: now };
}

/**
 * The idempotency key of the watchdog's ExpireChallenge: one per challenge and tick. Two watchdogs
 * in one tick ask once; an attempt the decider refused (early by its clock) is not remembered
 * against the next tick's, which would otherwise be taken for a retry of it, answered with that
 * refusal, and never expire the challenge. The decider expires a challenge once: a second expiry
 * changes nothing.
 */
export function expireKey(challengeId: string, now: number, tickMs: number): string {
  return `expire-${challengeId}-${Math.floor(now / tickMs)}`;
}

export interface WatchdogConfig {
  HEARTBEAT_TIMEOUT_MS: number;
  SPOT_CHECK_INTERVAL_MS: number;
  WATCHDOG_INTERVAL_MS: number;
}

/**
 * Keeps nodes honest while they are joined (docs/event-flows.md, assurance): declares a node lost when
 * its heartbeats stop for longer than the window, fails challenges nobody answered in time, and
 * sends random spot challenges to leased nodes. It only decides when to ask: every verdict is the
 * node decider's, from its own state and clock. Idempotency keys make two watchdogs (two
 * instances) ask once.
 */
@Injectable()
export class NodeWatchdog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;
  /** When this instance first saw a joined node without a heartbeat key (Redis may have been flushed). */
  private readonly missingSince = new Map<string, number>();
  private readonly logger = new Logger('node-watchdog');
  private readonly heartbeats: ReturnType<typeof heartbeatAges>;
  /** The oldest heartbeat seen during the current tick, seconds. */
  private oldestThisTick = 0;
  /** When a tick last found capacity's model whole. */
  private wholeAt?: number;
  /**
   * The last time the model was refolded, as ticks saw it: from the last whole tick before (the
   * flush came after it) until the first whole one after. Workers' answers were refused then.
   */
  private unanswerable?: { from: number; until?: number };
  /** The current stretch of ticks that could read Redis (watchingAfter). */
  private watching?: Watching;
  /** Two intervals and a second: a tick later than that after the last could not read Redis between. */
  private get maxGapMs(): number {
    return 2 * this.config.WATCHDOG_INTERVAL_MS + 1_000;
  }

  constructor(
    private readonly host: EventSourcingHost,
    private readonly redis: RedisClient,
    @Inject(SERVICE_CONFIG) private readonly config: WatchdogConfig,
    metrics: ServiceMetrics,
  ) {
    this.heartbeats = heartbeatAges(metrics);
    this.task = new PeriodicTask(
      'node-watchdog',
      config.WATCHDOG_INTERVAL_MS,
      () => this.tick(),
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  async tick(): Promise<void> {
    const redis = this.redis.redis;
    // While capacity's model is refolded (Redis flushed, a rebuild), what it shows is partial and
    // the gateway answers workers UNAVAILABLE (their keys cannot be trusted yet), so their beats
    // stop: nothing is judged then, and silence is counted again from when the model is whole.
    const rebuilding = await readModelRebuilding(redis, rm.name);
    // The tick's time is when Redis answered it: a tick that waited out a stall judges from then.
    const now = Date.now();
    this.watching = watchingAfter(this.watching, now, this.maxGapMs);
    if (rebuilding) {
      this.missingSince.clear();
      if (this.unanswerable?.until !== undefined || !this.unanswerable)
        this.unanswerable = { from: this.wholeAt ?? now };
      return;
    }
    if (this.unanswerable && this.unanswerable.until === undefined) this.unanswerable.until = now;
    this.wholeAt = now;
    const joined = await redis.zrange(rm.sessions, 0, -1);
    this.oldestThisTick = 0;
    for (let from = 0; from < joined.length; from += WATCHDOG_READ_BATCH) {
      const batch = joined.slice(from, from + WATCHDOG_READ_BATCH);
      const reads = await this.read(batch);
      // Redis stalled while this batch was read: the beats' ages (its clock) are past this tick's
      // time. Nothing more is judged on this tick; the next one starts a new stretch.
      if (Date.now() - now > this.maxGapMs) {
        this.watching = { since: Date.now(), at: Date.now() };
        return;
      }
      for (const read of reads) {
        // One node's failure (an unreadable reply, a command refused when sent) is logged and
        // skips that node only: the rest of the tick goes on.
        if ('error' in read) {
          this.failed(read.nodeId, read.error);
          continue;
        }
        try {
          await this.watch(read, now);
        } catch (error) {
          this.failed(read.nodeId, error);
        }
      }
    }
    this.heartbeats.oldest.set(this.oldestThisTick);
  }

  private failed(nodeId: string, error: unknown): void {
    this.logger.error({
      msg: 'watching a node failed; the tick goes on, the node is watched again next tick',
      nodeId,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  /** One joined node: lost, or its overdue challenge expired and a spot check sent. */
  private async watch({ nodeId, node, beat, beatTtlMs, challenge }: NodeRead, now: number): Promise<void> {
    const sessionId = node['sessionId'];
    if (!sessionId) return;
    if (await this.lost(nodeId, sessionId, node, beat, beatTtlMs, now)) return;
    if (challenge['id']) await this.expire(nodeId, challenge, beat, now);
    // A certification in flight never holds off a spot check: the decider supersedes it.
    if (!challenge['id'] || challenge['purpose'] === 'certification') await this.spot(nodeId, node, now);
  }

  /** Each node's read-model hash, last heartbeat and open challenge, in one round trip. */
  private async read(nodeIds: string[]): Promise<(NodeRead | { nodeId: string; error: unknown })[]> {
    const pipeline = this.redis.redis.pipeline();
    for (const nodeId of nodeIds)
      pipeline
        .hgetall(rm.node(nodeId))
        .get(nodeHeartbeatKey(nodeId))
        .pttl(nodeHeartbeatKey(nodeId))
        .hgetall(rm.challenge(nodeId));
    const replies = (await pipeline.exec()) ?? [];
    const reply = <T>(i: number): T => {
      const [error, value] = replies[i] ?? [new Error('no reply from Redis'), null];
      if (error) throw error;
      return value as T;
    };
    return nodeIds.map((nodeId, i) => {
      try {
        return {
          nodeId,
          node: reply<Record<string, string>>(4 * i),
          beat: reply<string | null>(4 * i + 1),
          beatTtlMs: reply<number>(4 * i + 2),
          challenge: reply<Record<string, string>>(4 * i + 3),
        };
      } catch (error) {
        return { nodeId, error };
      }
    });
  }

  private async lost(
    nodeId: string,
    sessionId: string,
    node: Record<string, string>,
    beat: string | null,
    beatTtlMs: number,
    now: number,
  ): Promise<boolean> {
    const started = Date.parse(node['sessionStartedAt'] ?? '') || now;
    let last = beat ? beatTime(beat, beatTtlMs, now) : NaN;
    if (Number.isNaN(last)) {
      // No key (kept a day: HEARTBEAT_KEPT_MS): Redis was flushed. Count from when this instance first noticed.
      const since = this.missingSince.get(sessionId) ?? now;
      this.missingSince.set(sessionId, since);
      last = Math.max(started, since);
    } else this.missingSince.delete(sessionId);
    // Silence from before a stretch of not watching is not held against the node (watchingAfter).
    last = Math.max(last, this.watching?.since ?? -Infinity);
    const age = Math.max(0, now - last) / 1000;
    this.heartbeats.age.observe(age);
    this.oldestThisTick = Math.max(this.oldestThisTick, age);
    if (now - last <= this.config.HEARTBEAT_TIMEOUT_MS) return false;
    this.missingSince.delete(sessionId);
    await this.host.sender.dispatch({
      type: CapacityCommands.declareNodeLost.type,
      subject: nodeId,
      data: {
        nodeId,
        sessionId,
        lastHeartbeatAt: beatAt(beat),
      },
      idempotencyKey: `lost-${sessionId}`,
    });
    this.logger.warn({ msg: 'node declared lost', nodeId, sessionId, lastHeartbeatAt: beat });
    return true;
  }

  private async expire(
    nodeId: string,
    challenge: Record<string, string>,
    beat: string | null,
    now: number,
  ): Promise<void> {
    const spec = JSON.parse(challenge['challenge'] ?? '{}') as { deadline?: number };
    const request = challenge['request']
      ? (JSON.parse(challenge['request']) as { respondBy?: number })
      : null;
    const due = request?.respondBy ?? spec.deadline;
    // A second of grace for a commitment or opening still on its way through the log.
    const challengeId = challenge['id'];
    if (!challengeId || due === undefined || now <= due + 1_000) return;
    // The challenge is excused if its time to answer overlaps the last refold (the decider judges).
    const outage = this.unanswerable;
    const lastHeartbeatAt = beatAt(beat);
    await this.host.sender.dispatch({
      type: CapacityCommands.expireChallenge.type,
      subject: nodeId,
      data: {
        nodeId,
        challengeId,
        // An unanswered spot check's breach is dated no later than this (rules/breach-time.ts).
        ...(lastHeartbeatAt ? { lastHeartbeatAt } : {}),
        ...(outage?.until !== undefined
          ? {
              unanswerable: {
                from: new Date(outage.from).toISOString(),
                until: new Date(outage.until).toISOString(),
              },
            }
          : {}),
      },
      idempotencyKey: expireKey(challengeId, now, this.config.WATCHDOG_INTERVAL_MS),
    });
  }

  private async spot(nodeId: string, node: Record<string, string>, now: number): Promise<void> {
    const leasedUntil = leaseEnd(node) ?? 0;
    // The certificate is per GPU; a challenge is for the whole node. A node without an f32 figure
    // (an f16 one alone) claims 0 and sells nothing: it is not spot-checked.
    const claimedTflops = spotClaim(Number(node['tflopsF32'] ?? 0), Number(node['gpus'] ?? 1));
    if (node['status'] !== 'CERTIFIED' || leasedUntil <= now || !(claimedTflops > 0)) return;
    const last = Date.parse(node['lastSpotAt'] ?? '') || 0;
    // Random: on average one per SPOT_CHECK_INTERVAL_MS, never two within half of it.
    if (now - last < this.config.SPOT_CHECK_INTERVAL_MS / 2) return;
    if (Math.random() > this.config.WATCHDOG_INTERVAL_MS / (this.config.SPOT_CHECK_INTERVAL_MS / 2)) return;
    const interval = Math.floor(now / this.config.SPOT_CHECK_INTERVAL_MS);
    // At the size the certificate recorded (where the worker's kernels are tuned); one from before
    // certificates recorded it is sized from the claim by the decider.
    const size = Number(node['challengeSize']);
    await this.host.sender.dispatch({
      type: CapacityCommands.issueChallenge.type,
      subject: nodeId,
      data: {
        nodeId,
        purpose: 'spot',
        claimedTflops,
        ...(size > 0 ? { n: size } : {}),
        seed: randomBytes(16).toString('hex'),
      },
      idempotencyKey: `spot-${nodeId}-${interval}`,
    });
  }
}
