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
   * the leave recorded); suspendedReason, suspendedAt; leasedUntilMs and
   * leasedFromMs (the latest end and start of its leases, epoch ms, from orders' trades) and
   * breachedAtMs (its last SLA breach: leaseEnd in lease-end.ts reads them); lastSpotAt;
   * credentialRevoked ('1').
   */
  node: (nodeId: string) => redisKey`capacity:nodes:${nodeId}`,
  /** Sorted set of a provider's node ids, by registration time. */
  providerNodes: (providerId: string) => redisKey`capacity:providers:${providerId}:nodes`,
  /** Sorted set of every node id, by registration time. */
  nodes: redisKey`capacity:node-ids`,
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
