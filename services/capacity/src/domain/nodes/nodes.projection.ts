import {
  CapacityEvents,
  capacityReadModel as rm,
  Envelope,
  isMessage,
  NODE_BREACHES_KEPT_MS,
  OrdersEvents,
} from '@gpux/contracts';
import type { Projection, RedisOp } from '@gpux/eventsourcing/domain';
import { notifiesNode } from './node-notices';
import { readChallenge } from './protocol';

/** Nodes as providers and buyers see them, their certifications, and credentials by digest. */
export function nodesProjection(eventsTopic: string, ordersEventsTopic: string): Projection {
  return {
    name: 'capacity.nodes',
    // 2: leases' starts and breaches are kept (leaseEnd): a model folded before is rebuilt.
    // 3: a breach ends the leases as orders' NodeSuspended, in the node's trades' partition.
    // 4: the last heartbeat a loss or leave recorded (settlement's meter reads it once the live
    // one is gone: domain/leases/delivered-until.ts).
    // 5: a node's breaches are kept (nodeBreaches), not only its last: the meter charges a lease up
    // to the first breach in it.
    version: '5',
    topics: [eventsTopic, ordersEventsTopic],
    keyPrefix: rm.prefix,
    apply(event: Envelope): RedisOp[] {
      const change = registration(event) ?? nodeLifecycle(event);
      if (!change) return [];
      const { nodeId, ops } = change;
      if (!notifiesNode(event.type)) return ops;
      // Subscribers to a node's status re-read it (node-notices.ts: not at a challenge's issue).
      return [
        ...ops,
        { op: 'publish', key: rm.nodeChannel(nodeId), message: JSON.stringify({ nodeId, type: event.type }) },
      ];
    },
  };
}

/** The writes an event makes about one node; undefined for events that change none. */
interface NodeChange {
  nodeId: string;
  ops: RedisOp[];
}

/** A node's registration and certifications. */
function registration(event: Envelope): NodeChange | undefined {
  if (isMessage(event, CapacityEvents.nodeRegistered)) {
    const n = event.data;
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
    return {
      nodeId: n.nodeId,
      ops: [
        ...Object.entries(fields).map(([field, value]): RedisOp => ({ op: 'hset', key, field, value })),
        { op: 'zadd', key: rm.providerNodes(n.providerId), score: at, member: n.nodeId },
        { op: 'zadd', key: rm.nodes, score: at, member: n.nodeId },
        { op: 'hset', key: rm.credential(n.credentialHash), field: 'nodeId', value: n.nodeId },
      ],
    };
  }
  if (isMessage(event, CapacityEvents.nodeCertified)) {
    const c = event.data;
    const key = rm.node(c.nodeId);
    return {
      nodeId: c.nodeId,
      ops: [
        { op: 'hset', key, field: 'status', value: 'CERTIFIED' },
        { op: 'hset', key, field: 'tflopsF32', value: String(c.tflopsPerGpu.f32) },
        // A recertification without an f16 figure must not leave the previous one's behind.
        c.tflopsPerGpu.f16 !== undefined
          ? { op: 'hset', key, field: 'tflopsF16', value: String(c.tflopsPerGpu.f16) }
          : { op: 'hdel', key, field: 'tflopsF16' },
        c.challengeSize !== undefined
          ? { op: 'hset', key, field: 'challengeSize', value: String(c.challengeSize) }
          : { op: 'hdel', key, field: 'challengeSize' },
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
      ],
    };
  }
  return undefined;
}

/** A node's hash, and a write of one of its fields. */
function nodeHash(nodeId: string) {
  const key = rm.node(nodeId);
  return { key, set: (field: string, value: string): RedisOp => ({ op: 'hset', key, field, value }) };
}

/** Sessions, challenges, suspensions and credentials of a node; and leases from orders' trades. */
function nodeLifecycle(event: Envelope): NodeChange | undefined {
  return credentials(event) ?? challenges(event) ?? presence(event);
}

function credentials(event: Envelope): NodeChange | undefined {
  if (isMessage(event, CapacityEvents.nodeCredentialRotated)) {
    const { nodeId, previousHash, credentialHash } = event.data;
    const { key } = nodeHash(nodeId);
    return {
      nodeId,
      ops: [
        { op: 'del', key: rm.credential(previousHash) },
        { op: 'hset', key: rm.credential(credentialHash), field: 'nodeId', value: nodeId },
        { op: 'hdel', key, field: 'credentialRevoked' },
      ],
    };
  }
  if (isMessage(event, CapacityEvents.nodeCredentialRevoked)) {
    const { nodeId, credentialHash } = event.data;
    const { key, set } = nodeHash(nodeId);
    return {
      nodeId,
      ops: [
        { op: 'del', key: rm.credential(credentialHash) },
        set('credentialRevoked', '1'),
        { op: 'hdel', key, field: 'sessionId' },
        { op: 'zrem', key: rm.sessions, member: nodeId },
      ],
    };
  }
  return undefined;
}

function challenges(event: Envelope): NodeChange | undefined {
  if (isMessage(event, CapacityEvents.challengeIssued)) {
    const { nodeId, purpose } = event.data;
    const challenge = readChallenge(event.data.challenge);
    const c = rm.challenge(nodeId);
    return {
      nodeId,
      ops: [
        { op: 'del', key: c },
        { op: 'hset', key: c, field: 'id', value: challenge.id },
        { op: 'hset', key: c, field: 'purpose', value: purpose },
        { op: 'hset', key: c, field: 'challenge', value: JSON.stringify(challenge) },
      ],
    };
  }
  if (isMessage(event, CapacityEvents.challengeDelivered)) {
    const { nodeId, challengeId } = event.data;
    const c = rm.challenge(nodeId);
    const challenge = readChallenge(event.data.challenge);
    return {
      nodeId,
      ops: [
        // Written whole: the failure of the certification it superseded, recorded just before it
        // (rules/unseen-supersede.ts), deleted the node's challenge.
        { op: 'hset', key: c, field: 'id', value: challengeId },
        { op: 'hset', key: c, field: 'purpose', value: 'spot' },
        { op: 'hset', key: c, field: 'challenge', value: JSON.stringify(challenge) },
        { op: 'hset', key: c, field: 'delivered', value: '1' },
      ],
    };
  }
  if (isMessage(event, CapacityEvents.challengeCommitted)) {
    const { nodeId, request } = event.data;
    return {
      nodeId,
      ops: [{ op: 'hset', key: rm.challenge(nodeId), field: 'request', value: JSON.stringify(request) }],
    };
  }
  if (isMessage(event, CapacityEvents.nodeCertificationFailed)) {
    const d = event.data;
    return {
      nodeId: d.nodeId,
      ops: [
        { op: 'del', key: rm.challenge(d.nodeId) },
        {
          op: 'rpush',
          key: rm.certifications(d.nodeId),
          value: JSON.stringify({ ...d, ok: false, at: event.time }),
        },
      ],
    };
  }
  if (isMessage(event, CapacityEvents.spotChallengePassed)) {
    const d = event.data;
    return {
      nodeId: d.nodeId,
      ops: [
        { op: 'del', key: rm.challenge(d.nodeId) },
        nodeHash(d.nodeId).set('lastSpotAt', event.time),
        {
          op: 'rpush',
          key: rm.certifications(d.nodeId),
          value: JSON.stringify({ ...d, purpose: 'spot', ok: true, at: event.time }),
        },
      ],
    };
  }
  return undefined;
}

function presence(event: Envelope): NodeChange | undefined {
  if (isMessage(event, CapacityEvents.sessionStarted)) {
    const { nodeId, sessionId, sizing, heartbeat } = event.data;
    const { key, set } = nodeHash(nodeId);
    // How capacity sizes this session's challenges and watches it, as it recorded them; a session
    // an older capacity started recorded none, and the last session's are not its own.
    const recorded: Record<string, number | undefined> = {
      sessionMinSize: sizing?.minSize,
      sessionMaxSize: sizing?.maxSize,
      sessionProductMs: sizing?.productMs,
      sessionHeartbeatIntervalMs: heartbeat?.intervalMs,
      sessionHeartbeatTimeoutMs: heartbeat?.timeoutMs,
    };
    const settings = Object.entries(recorded).map(([field, value]): RedisOp =>
      value === undefined ? { op: 'hdel', key, field } : set(field, String(value)),
    );
    return {
      nodeId,
      ops: [
        set('sessionId', sessionId),
        set('sessionStartedAt', event.time),
        ...settings,
        { op: 'hdel', key, field: 'lostAt' },
        { op: 'hdel', key, field: 'leftAt' },
        { op: 'hdel', key, field: 'lastBeatAt' },
        { op: 'zadd', key: rm.sessions, score: Date.parse(event.time), member: nodeId },
      ],
    };
  }
  if (isMessage(event, CapacityEvents.nodeLost) || isMessage(event, CapacityEvents.nodeLeft)) {
    // Lost (silent past its window) or left (its worker stopped and said so): offline now.
    // Its last heartbeat as the loss or the leave recorded it: settlement's meter charges up to it
    // once the live one is gone (Redis flushed).
    const { nodeId, lastHeartbeatAt } = event.data;
    const { key, set } = nodeHash(nodeId);
    return {
      nodeId,
      ops: [
        set(event.type === CapacityEvents.nodeLost.type ? 'lostAt' : 'leftAt', event.time),
        lastHeartbeatAt ? set('lastBeatAt', lastHeartbeatAt) : { op: 'hdel', key, field: 'lastBeatAt' },
        { op: 'hdel', key, field: 'sessionId' },
        { op: 'zrem', key: rm.sessions, member: nodeId },
      ],
    };
  }
  if (isMessage(event, CapacityEvents.slaBreached)) {
    // The hash keeps this last breach (a recertification drops its reason); the node's breaches
    // keep it with the earlier ones, reason and all, for the leases it ended: settlement's meter
    // charges a lease up to the first breach in it, whatever came after (breached, recertified and
    // breached again before orders ended the lease). Those older than NODE_BREACHES_KEPT_MS before
    // this one go: every lease they fell in has long ended.
    const { nodeId, reason, at } = event.data;
    const { set } = nodeHash(nodeId);
    const atMs = Date.parse(at);
    const breaches = rm.nodeBreaches(nodeId);
    return {
      nodeId,
      ops: [
        set('status', 'SUSPENDED'),
        set('suspendedReason', reason),
        set('suspendedAt', at),
        { op: 'zadd', key: breaches, score: atMs, member: JSON.stringify({ at, reason }) },
        { op: 'zremBelow', key: breaches, below: atMs - NODE_BREACHES_KEPT_MS },
      ],
    };
  }
  if (isMessage(event, OrdersEvents.nodeSuspended)) {
    // Every lease the node runs ends with its breach (orders breaches them): spot checks stop with
    // them. Folded from orders' event, not capacity's SlaBreached: it is in the partition of the
    // node's market, with its trades, so a refold meets the two in the order they happened.
    // From capacity's own log the breach was met before or after the trades as the two logs
    // interleaved: the same log gave leasedUntil a credited lease's end, or the breach's time
    // while a later lease ran (unchecked).
    const { nodeId } = event.data;
    return {
      nodeId,
      ops: [
        { op: 'hmax', key: rm.node(nodeId), field: 'breachedAtMs', value: Date.parse(event.time) },
        { op: 'hmin', key: rm.node(nodeId), field: 'leasedUntilMs', value: Date.parse(event.time) },
      ],
    };
  }
  if (isMessage(event, OrdersEvents.tradeExecuted)) {
    // The end and start of its latest lease (trades of a node come in time order): spot checks run
    // until its end, unless a breach since ended it (leaseEnd).
    const { nodeId, start, end } = event.data;
    return {
      nodeId,
      ops: [
        { op: 'hmax', key: rm.node(nodeId), field: 'leasedUntilMs', value: Date.parse(end) },
        { op: 'hmax', key: rm.node(nodeId), field: 'leasedFromMs', value: Date.parse(start) },
      ],
    };
  }
  return undefined;
}
