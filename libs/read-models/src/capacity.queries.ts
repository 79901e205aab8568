import { capacityReadModel as K, leaseEnd, nodeHeartbeatKey, NODE_STATUSES } from '@gpux/contracts';
import type Redis from 'ioredis';
import { list, Paged, RankedSet, sortedSet } from './paged';

type Hash = Record<string, string>;

/** A node as capacity keeps it, with whether its worker is online now. */
export interface NodeView {
  nodeId: string;
  providerId: string;
  marketId: string;
  gpuModel: string;
  gpus: number;
  region: string;
  /** A CERTIFIED node past its certificate's end reads EXPIRED. */
  status: (typeof NODE_STATUSES)[number];
  registeredAt: string;
  /** A session is open and the worker's last heartbeat has not expired. */
  online: boolean;
  lastHeartbeatAt?: string;
  /** Why it is SUSPENDED (an SLA breach reason); only while it is. */
  suspendedReason?: string;
  /** The end of its latest lease, ISO. */
  leasedUntil?: string;
  tflopsPerGpu?: number;
  tflopsF16PerGpu?: number;
  /** The size n of its spot checks' products: its f32 figure's challenge's, or what an administrator's certificate's spot claim picks. */
  challengeSize?: number;
  efficiency?: number;
  tier?: string;
  certifiedUntil?: string;
  certifiedBy?: string;
  /** How capacity sizes the current session's challenges (SessionStarted), where it said. */
  sessionSizing?: { minSize: number; maxSize: number; productMs: number };
  /** How capacity watches the current session (SessionStarted), where it said. */
  sessionHeartbeat?: { intervalMs: number; timeoutMs: number };
}

/** The challenge a node is answering: the challenge, and the open request once it committed. */
export interface ChallengeView {
  id: string;
  /** As capacity spells it: certification or spot. */
  purpose: string;
  challenge: Record<string, unknown>;
  /** A spot check handed to its worker (its clock restarted then): only then may its seed go out. */
  delivered?: true;
  request?: Record<string, unknown>;
}

/**
 * The node of a node hash (capacityReadModel.node), its heartbeat key's value and its session
 * score, at `now` (epoch ms); null when there is none.
 */
export function nodeView(
  nodeId: string,
  h: Hash,
  beat: string | null,
  session: string | null,
  now: number,
): NodeView | null {
  if (!h['providerId']) return null;
  const expired = h['expiresAt'] && Date.parse(h['expiresAt']) <= now;
  const opt = (f: string) => (h[f] ? Number(h[f]) : undefined);
  const status = h['status'] as NodeView['status'];
  const leasedUntil = leaseEnd(h);
  // The heartbeat key outlives the session's window (HEARTBEAT_KEPT_MS): online while a beat is
  // fresher than twice the session's timeout, as when the key lived that long.
  const window = 2 * (opt('sessionHeartbeatTimeoutMs') ?? Infinity);
  const online = session !== null && beat !== null && !(now - Date.parse(beat) > window);
  return {
    nodeId,
    providerId: h['providerId'],
    marketId: h['marketId']!,
    gpuModel: h['gpuModel']!,
    gpus: Number(h['gpus']),
    region: h['region']!,
    status: status === 'CERTIFIED' && expired ? 'EXPIRED' : status,
    registeredAt: h['registeredAt']!,
    online,
    ...(beat ? { lastHeartbeatAt: beat } : {}),
    ...(status === 'SUSPENDED' && h['suspendedReason'] ? { suspendedReason: h['suspendedReason'] } : {}),
    ...(leasedUntil !== undefined ? { leasedUntil: new Date(leasedUntil).toISOString() } : {}),
    ...(opt('tflopsF32') !== undefined ? { tflopsPerGpu: opt('tflopsF32') } : {}),
    ...(opt('tflopsF16') !== undefined ? { tflopsF16PerGpu: opt('tflopsF16') } : {}),
    ...(opt('challengeSize') !== undefined ? { challengeSize: opt('challengeSize') } : {}),
    ...(opt('efficiency') !== undefined ? { efficiency: opt('efficiency') } : {}),
    ...(h['tier'] ? { tier: h['tier'] } : {}),
    ...(h['expiresAt'] ? { certifiedUntil: h['expiresAt'] } : {}),
    ...(h['certifiedBy'] ? { certifiedBy: h['certifiedBy'] } : {}),
    ...(h['sessionMinSize'] && h['sessionMaxSize'] && h['sessionProductMs']
      ? {
          sessionSizing: {
            minSize: Number(h['sessionMinSize']),
            maxSize: Number(h['sessionMaxSize']),
            productMs: Number(h['sessionProductMs']),
          },
        }
      : {}),
    ...(opt('sessionHeartbeatIntervalMs') && opt('sessionHeartbeatTimeoutMs')
      ? {
          sessionHeartbeat: {
            intervalMs: opt('sessionHeartbeatIntervalMs')!,
            timeoutMs: opt('sessionHeartbeatTimeoutMs')!,
          },
        }
      : {}),
  };
}

/** The challenge of a challenge hash (capacityReadModel.challenge); null when none is in flight. */
export function challengeView(h: Hash): ChallengeView | null {
  if (!h['id']) return null;
  return {
    id: h['id'],
    purpose: h['purpose'] ?? '',
    challenge: JSON.parse(h['challenge']!) as Record<string, unknown>,
    ...(h['delivered'] ? { delivered: true as const } : {}),
    ...(h['request'] ? { request: JSON.parse(h['request']) as Record<string, unknown> } : {}),
  };
}

const record = (raw: string) => JSON.parse(raw) as Record<string, unknown>;

/** Reads capacity's read model (capacityReadModel in the contracts) and the workers' heartbeats. */
export class CapacityQueries {
  constructor(
    private readonly redis: Redis,
    private readonly clock: () => number = Date.now,
  ) {}

  async node(nodeId: string): Promise<NodeView | null> {
    const [h, beat, session] = await Promise.all([
      this.redis.hgetall(K.node(nodeId)),
      this.redis.get(nodeHeartbeatKey(nodeId)),
      this.redis.zscore(K.sessions, nodeId),
    ]);
    return nodeView(nodeId, h, beat, session, this.clock());
  }

  /** One field of a node's hash (e.g. its current sessionId, its marketId); null without it. */
  nodeField(nodeId: string, field: 'sessionId' | 'marketId' | 'providerId'): Promise<string | null> {
    return this.redis.hget(K.node(nodeId), field);
  }

  /** Every node id, by registration. */
  nodes(): RankedSet {
    return sortedSet(this.redis, K.nodes);
  }

  /** A provider's node ids, by registration. */
  providerNodes(providerId: string): RankedSet {
    return sortedSet(this.redis, K.providerNodes(providerId));
  }

  /** A node's certification records (JSON as capacity keeps them), oldest first. */
  certifications(nodeId: string): Paged<Record<string, unknown>> {
    return list(this.redis, K.certifications(nodeId), record);
  }

  /**
   * The node's latest `n` certification records (all of them where it has fewer), oldest first: one
   * LRANGE from the end, where a count and then a slice took two round trips, and could disagree.
   */
  async lastCertifications(nodeId: string, n: number): Promise<Record<string, unknown>[]> {
    // LRANGE key -0 -1 is the whole list.
    if (!(n > 0)) return [];
    return (await this.redis.lrange(K.certifications(nodeId), -n, -1)).map(record);
  }

  /** The node's latest certification record, null without one. */
  async lastCertification(nodeId: string): Promise<Record<string, unknown> | null> {
    const [raw] = await this.redis.lrange(K.certifications(nodeId), -1, -1);
    return raw ? record(raw) : null;
  }

  /** The node a node credential (by its sha256, hex) is for; null for an unknown, rotated or revoked one. */
  credentialNode(credentialHash: string): Promise<string | null> {
    return this.redis.hget(K.credential(credentialHash), 'nodeId');
  }

  async challenge(nodeId: string): Promise<ChallengeView | null> {
    return challengeView(await this.redis.hgetall(K.challenge(nodeId)));
  }
}
