import { NUMBER_LIMITS } from '../limits';
import { redisKey } from '../redis-key';

/**
 * A node's status as readers see it: the read model holds UNCERTIFIED, CERTIFIED or SUSPENDED, and a
 * CERTIFIED node past its expiresAt reads as EXPIRED.
 */
export const NODE_STATUSES = ['UNCERTIFIED', 'CERTIFIED', 'EXPIRED', 'SUSPENDED'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** capacity's read model in Redis, as a contract: capacity writes it, the gateway reads it. */
export const capacityReadModel = {
  name: 'capacity.read-model',
  prefix: 'capacity:',
  /**
   * Hash per node: providerId, gpuModel, gpus, region, marketId, status (UNCERTIFIED | CERTIFIED |
   * SUSPENDED; a CERTIFIED one past expiresAt reads as EXPIRED), registeredAt, and once certified:
   * tflopsF32, tflopsF16, challengeSize (its spot checks' n), efficiency, tier,
   * expiresAt, certifiedBy; sessionId and sessionStartedAt
   * while a worker is joined; lostAt or leftAt, and lastBeatAt (the last heartbeat the loss or
   * the leave recorded); suspendedReason, suspendedAt (its last breach: nodeBreaches keeps each);
   * leasedUntilMs and leasedFromMs (the latest end and start of its leases, epoch ms, from orders' trades) and
   * breachedAtMs (its last SLA breach: leaseEnd in lease-end.ts reads them); lastSpotAt;
   * credentialRevoked ('1').
   */
  node: (nodeId: string) => redisKey`capacity:nodes:${nodeId}`,
  /** Sorted set of a provider's node ids, by registration time. */
  providerNodes: (providerId: string) => redisKey`capacity:providers:${providerId}:nodes`,
  /** Sorted set of every node id, by registration time. */
  nodes: redisKey`capacity:node-ids`,
  /**
   * Sorted set per node: its SLA breaches, each a member JSON { at, reason } (the breach's `at`, ISO,
   * and its reason), scored by `at` (epoch ms). Kept through recertifications (the node's hash keeps
   * only its last breach, and a recertification drops that one's reason), those older than
   * NODE_BREACHES_KEPT_MS before the latest one dropped: settlement's meter charges a lease up to the
   * first breach at or after its start (services/settlement/src/domain/leases/delivered-until.ts).
   */
  nodeBreaches: (nodeId: string) => redisKey`capacity:nodes:${nodeId}:breaches`,
  /** List of JSON certifications of a node, oldest first. */
  certifications: (nodeId: string) => redisKey`capacity:nodes:${nodeId}:certifications`,
  /** Hash per node credential, by its sha256 (hex): nodeId. A revoked or rotated one is deleted. */
  credential: (hash: string) => redisKey`capacity:credentials:${hash}`,
  /**
   * Hash: the challenge a node is answering: id, purpose, challenge (JSON), request (JSON, once
   * committed). Deleted when it passes or fails.
   */
  challenge: (nodeId: string) => redisKey`capacity:nodes:${nodeId}:challenge`,
  /** Sorted set of nodes with a live worker session (member nodeId, score: session start ms). */
  sessions: redisKey`capacity:sessions`,
  /** Pub/sub channel: a node's status changed (message: JSON { nodeId, type }). */
  nodeChannel: (nodeId: string) => redisKey`capacity:ch:node:${nodeId}`,
};

/**
 * How long before a node's latest breach its earlier ones are kept (capacityReadModel.nodeBreaches):
 * the longest lease (NUMBER_LIMITS.hours) and a week. A breach bears on the leases running at its
 * `at`, which started before it and end at most the longest lease after their start, so before the
 * breach's `at` plus the longest lease; it is dropped only once a breach a week past that is
 * recorded, when each such lease has long ended: metered to its end, or ended at the breach (by
 * orders, or by settlement's meter `LEASE_BREACH_GRACE_MS` after it). Only a meter stopped for that
 * week would meet the lease running still without it (and charge it to the next breach in it, if
 * any, or to its end).
 */
export const NODE_BREACHES_KEPT_MS = (NUMBER_LIMITS.hours + 7 * 24) * 60 * 60 * 1000;

/**
 * Heartbeats live outside the read model (they are not events, and a read-model rebuild must not
 * delete them): a key per node with a TTL (HEARTBEAT_KEPT_MS), set on each heartbeat, holding its
 * time (ISO).
 */
export const nodeHeartbeatKey = (nodeId: string) => redisKey`capacity-live:heartbeat:${nodeId}`;

/**
 * How long a node's last heartbeat is kept: a day, far past any heartbeat timeout, so that
 * capacity's watchdog, back from an outage longer than the timeout, still reads when each node last
 * beat, and dates a node that went silent meanwhile from then (its leases credited from then), not
 * from when it noticed.
 */
export const HEARTBEAT_KEPT_MS = 24 * 60 * 60 * 1000;

/**
 * When a node last beat, on the reader's clock: `now` less the beat's age by Redis' clock (the key
 * is set to live HEARTBEAT_KEPT_MS, and has lived that less what is left of it, `ttlMs`, its
 * PTTL), so that a gateway whose clock disagrees with the reader's (by more than the timeout less
 * the interval, 15 s by default) neither loses every node between two beats nor finds a silent one
 * late. A key with less than half its life left (beats over 12 hours old, or set otherwise) is dated
 * by its value. Capacity's watchdog and the gateway's live-session check date a beat alike.
 */
export function beatTime(beat: string, ttlMs: number, now: number): number {
  if (ttlMs > HEARTBEAT_KEPT_MS / 2 && ttlMs <= HEARTBEAT_KEPT_MS) return now - (HEARTBEAT_KEPT_MS - ttlMs);
  return Date.parse(beat);
}
