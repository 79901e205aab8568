import { CapacityEvents, OrdersEvents } from '@gpux/contracts';
import { notifiesNode } from './node-notices';

describe("the node's notices", () => {
  it("are not sent for a challenge's issue, which nothing of the node shows: a spot check is not told before its worker fetches it", () => {
    expect(notifiesNode(CapacityEvents.challengeIssued.type)).toBe(false);
  });

  it("are sent for capacity's other events of a node, a spot check's fetch and verdict included", () => {
    for (const event of [
      CapacityEvents.nodeRegistered,
      CapacityEvents.nodeCertified,
      CapacityEvents.sessionStarted,
      CapacityEvents.challengeDelivered,
      CapacityEvents.challengeCommitted,
      CapacityEvents.nodeCertificationFailed,
      CapacityEvents.spotChallengePassed,
      CapacityEvents.nodeLost,
      CapacityEvents.slaBreached,
    ])
      expect([event.type, notifiesNode(event.type)]).toEqual([event.type, true]);
  });

  it("are not sent for orders' events, which capacity folds without owning them", () => {
    expect(notifiesNode(OrdersEvents.tradeExecuted.type)).toBe(false);
  });
});
