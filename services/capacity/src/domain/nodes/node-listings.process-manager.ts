import { CapacityEvents, commandOf, Envelope, isMessage, OrdersCommands } from '@gpux/contracts';
import type { EmittedCommand, ProcessManager } from '@gpux/eventsourcing/domain';

/**
 * capacity → orders: a market knows each node that sells in it, and what it is certified for.
 * A registered node is recorded uncertified (asks on it are refused); a certification records its
 * measured f32 TFLOP/s per GPU and its expiry (uncertified where it has no f32 figure: an f16 one
 * alone sells nothing).
 */
export const nodeListings: ProcessManager = {
  name: 'orders-node-listings',
  react(event: Envelope): EmittedCommand[] {
    if (isMessage(event, CapacityEvents.nodeRegistered)) {
      const n = event.data;
      return [
        commandOf(OrdersCommands.recordNode, n.marketId, {
          marketId: n.marketId,
          nodeId: n.nodeId,
          providerId: n.providerId,
          gpus: n.gpus,
          certifiedTflopsPerGpu: null,
        }),
      ];
    }
    if (isMessage(event, CapacityEvents.nodeCertified)) {
      const c = event.data;
      return [
        commandOf(OrdersCommands.recordNode, c.marketId, {
          marketId: c.marketId,
          nodeId: c.nodeId,
          providerId: c.providerId,
          gpus: c.gpus,
          certifiedTflopsPerGpu: c.tflopsPerGpu.f32 > 0 ? c.tflopsPerGpu.f32 : null,
          certifiedUntil: c.expiresAt,
        }),
      ];
    }
    if (isMessage(event, CapacityEvents.slaBreached)) {
      // Its asks go and its running leases are breached; it sells again once recertified.
      const b = event.data;
      return [
        commandOf(OrdersCommands.suspendNode, b.marketId, {
          marketId: b.marketId,
          nodeId: b.nodeId,
          reason: b.reason,
          at: b.at,
        }),
      ];
    }
    return [];
  },
};
