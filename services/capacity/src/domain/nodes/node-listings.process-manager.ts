import type { Envelope, NodeCertified, RegisterNode, SlaBreached } from '@gpux/contracts';
import type { EmittedCommand, ProcessManager } from '@gpux/eventsourcing/domain';

/**
 * capacity → orders: a market knows each node that sells in it, and what it is certified for.
 * A registered node is recorded uncertified (asks on it are refused); a certification records its
 * measured f32 TFLOP/s per GPU and its expiry.
 */
export const nodeListings: ProcessManager = {
  name: 'orders-node-listings',
  react(event: Envelope): EmittedCommand[] {
    if (event.type === 'capacity.NodeRegistered') {
      const n = event.data as RegisterNode;
      return [
        {
          type: 'orders.RecordNode',
          subject: n.marketId,
          data: {
            marketId: n.marketId,
            nodeId: n.nodeId,
            providerId: n.providerId,
            gpus: n.gpus,
            certifiedTflopsPerGpu: null,
          },
        },
      ];
    }
    if (event.type === 'capacity.NodeCertified') {
      const c = event.data as NodeCertified;
      return [
        {
          type: 'orders.RecordNode',
          subject: c.marketId,
          data: {
            marketId: c.marketId,
            nodeId: c.nodeId,
            providerId: c.providerId,
            gpus: c.gpus,
            certifiedTflopsPerGpu: c.tflopsPerGpu.f32,
            certifiedUntil: c.expiresAt,
          },
        },
      ];
    }
    if (event.type === 'capacity.SlaBreached') {
      // Its asks go and its running leases are breached; it sells again once recertified.
      const b = event.data as SlaBreached;
      return [
        {
          type: 'orders.SuspendNode',
          subject: b.marketId,
          data: { marketId: b.marketId, nodeId: b.nodeId, reason: b.reason, at: b.at },
        },
      ];
    }
    return [];
  },
};
