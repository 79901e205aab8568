import { capacityReadModel as rm, Envelope, NodeCertified, RegisterNode } from '@gpux/contracts';
import type { Projection, RedisOp } from '@gpux/eventsourcing/domain';

/** Nodes as providers and buyers see them, their certifications, and credentials by digest. */
export function nodesProjection(eventsTopic: string, ordersEventsTopic: string): Projection {
  return {
    name: 'capacity.nodes',
    topics: [eventsTopic, ordersEventsTopic],
    keyPrefix: rm.prefix,
    apply(event: Envelope): RedisOp[] {
      const ops = [...registration(event), ...nodeLifecycle(event)];
      if (ops.length === 0 || !event.type.startsWith('capacity.')) return ops;
      const { nodeId } = event.data as { nodeId: string };
      // Subscribers to a node's status re-read it.
      return [
        ...ops,
        { op: 'publish', key: rm.nodeChannel(nodeId), message: JSON.stringify({ nodeId, type: event.type }) },
      ];
    },
  };
}

/** A node's registration and certifications. */
function registration(event: Envelope): RedisOp[] {
  if (event.type === 'capacity.NodeRegistered') {
    const n = event.data as RegisterNode;
    const key = rm.node(n.nodeId);
    const at = Date.parse(event.time);
    const fields = {
      providerId: n.providerId,
      gpuModel: n.gpuModel,
      gpus: String(n.gpus),
      region: n.region,
      marketId: n.marketId,
      status: 'UNCERTIFIED',
      registeredAt: event.time,
    };
    return [
      ...Object.entries(fields).map(([field, value]): RedisOp => ({ op: 'hset', key, field, value })),
      { op: 'zadd', key: rm.providerNodes(n.providerId), score: at, member: n.nodeId },
      { op: 'zadd', key: rm.nodes, score: at, member: n.nodeId },
      { op: 'hset', key: rm.credential(n.credentialHash), field: 'nodeId', value: n.nodeId },
    ];
  }
  if (event.type === 'capacity.NodeCertified') {
    const c = event.data as NodeCertified;
    const key = rm.node(c.nodeId);
    return [
      { op: 'hset', key, field: 'status', value: 'CERTIFIED' },
      { op: 'hset', key, field: 'tflopsF32', value: String(c.tflopsPerGpu.f32) },
      // A recertification without an f16 figure must not leave the previous one's behind.
      c.tflopsPerGpu.f16 !== undefined
        ? { op: 'hset', key, field: 'tflopsF16', value: String(c.tflopsPerGpu.f16) }
        : { op: 'hdel', key, field: 'tflopsF16' },
      { op: 'hset', key, field: 'efficiency', value: c.efficiency === null ? '' : String(c.efficiency) },
      { op: 'hset', key, field: 'tier', value: c.tier },
      { op: 'hset', key, field: 'expiresAt', value: c.expiresAt },
      { op: 'hset', key, field: 'certifiedBy', value: c.method },
      { op: 'hdel', key, field: 'suspendedReason' },
      ...(c.method === 'challenge' ? [{ op: 'del', key: rm.challenge(c.nodeId) } as const] : []),
      {
        op: 'rpush',
        key: rm.certifications(c.nodeId),
        value: JSON.stringify({ ...c, ok: true, at: event.time }),
      },
    ];
  }
  return [];
}

/** Sessions, challenges, suspensions and credentials of a node; and leases from orders' trades. */
function nodeLifecycle(event: Envelope): RedisOp[] {
  const d = event.data as Record<string, unknown> & { nodeId: string };
  const key = rm.node(d.nodeId);
  const set = (field: string, value: string): RedisOp => ({ op: 'hset', key, field, value });
  switch (event.type) {
    case 'capacity.NodeCredentialRotated':
      return [
        { op: 'del', key: rm.credential(d['previousHash'] as string) },
        { op: 'hset', key: rm.credential(d['credentialHash'] as string), field: 'nodeId', value: d.nodeId },
        { op: 'hdel', key, field: 'credentialRevoked' },
      ];
    case 'capacity.NodeCredentialRevoked':
      return [
        { op: 'del', key: rm.credential(d['credentialHash'] as string) },
        set('credentialRevoked', '1'),
        { op: 'hdel', key, field: 'sessionId' },
        { op: 'zrem', key: rm.sessions, member: d.nodeId },
      ];
    case 'capacity.SessionStarted':
      return [
        set('sessionId', d['sessionId'] as string),
        set('sessionStartedAt', event.time),
        { op: 'hdel', key, field: 'lostAt' },
        { op: 'zadd', key: rm.sessions, score: Date.parse(event.time), member: d.nodeId },
      ];
    case 'capacity.ChallengeIssued': {
      const challenge = d['challenge'] as { id: string };
      const c = rm.challenge(d.nodeId);
      return [
        { op: 'del', key: c },
        { op: 'hset', key: c, field: 'id', value: challenge.id },
        { op: 'hset', key: c, field: 'purpose', value: d['purpose'] as string },
        { op: 'hset', key: c, field: 'challenge', value: JSON.stringify(challenge) },
      ];
    }
    case 'capacity.ChallengeCommitted':
      return [
        { op: 'hset', key: rm.challenge(d.nodeId), field: 'request', value: JSON.stringify(d['request']) },
      ];
    case 'capacity.NodeCertificationFailed':
      return [
        { op: 'del', key: rm.challenge(d.nodeId) },
        {
          op: 'rpush',
          key: rm.certifications(d.nodeId),
          value: JSON.stringify({ ...d, ok: false, at: event.time }),
        },
      ];
    case 'capacity.SpotChallengePassed':
      return [
        { op: 'del', key: rm.challenge(d.nodeId) },
        set('lastSpotAt', event.time),
        {
          op: 'rpush',
          key: rm.certifications(d.nodeId),
          value: JSON.stringify({ ...d, purpose: 'spot', ok: true, at: event.time }),
        },
      ];
    case 'capacity.NodeLost':
      return [
        set('lostAt', event.time),
        { op: 'hdel', key, field: 'sessionId' },
        { op: 'zrem', key: rm.sessions, member: d.nodeId },
      ];
    case 'capacity.SlaBreached':
      return [
        set('status', 'SUSPENDED'),
        set('suspendedReason', d['reason'] as string),
        set('suspendedAt', d['at'] as string),
      ];
    case 'orders.TradeExecuted':
      // The end of its latest lease (trades of a node come in time order): spot checks run until then.
      return [{ op: 'hmax', key, field: 'leasedUntilMs', value: Date.parse(d['end'] as string) }];
    default:
      return [];
  }
}
