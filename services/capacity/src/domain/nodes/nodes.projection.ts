import { capacityReadModel as rm, Envelope, NodeCertified, RegisterNode } from '@gpux/contracts';
import type { Projection, RedisOp } from '@gpux/eventsourcing/domain';

/** Nodes as providers and buyers see them, their certifications, and credentials by digest. */
export function nodesProjection(eventsTopic: string): Projection {
  return {
    name: 'capacity.nodes',
    topics: [eventsTopic],
    keyPrefix: rm.prefix,
    apply(event: Envelope): RedisOp[] {
      if (event.type === 'capacity.NodeRegistered') {
        const n = event.data as RegisterNode;
        const key = rm.node(n.nodeId);
        const at = Date.parse(event.time);
        const fields = { providerId: n.providerId, gpuModel: n.gpuModel, gpus: String(n.gpus), region: n.region, marketId: n.marketId, status: 'UNCERTIFIED', registeredAt: event.time };
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
          c.tflopsPerGpu.f16 !== undefined ? { op: 'hset', key, field: 'tflopsF16', value: String(c.tflopsPerGpu.f16) } : { op: 'hdel', key, field: 'tflopsF16' },
          { op: 'hset', key, field: 'efficiency', value: c.efficiency === null ? '' : String(c.efficiency) },
          { op: 'hset', key, field: 'tier', value: c.tier },
          { op: 'hset', key, field: 'expiresAt', value: c.expiresAt },
          { op: 'hset', key, field: 'certifiedBy', value: c.method },
          { op: 'rpush', key: rm.certifications(c.nodeId), value: JSON.stringify({ ...c, at: event.time }) },
        ];
      }
      return [];
    },
  };
}
