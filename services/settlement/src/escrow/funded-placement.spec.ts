// The id under which settlement writes a funded bid's PlaceOrder is part of the bid path's contract:
// the gateway derives it from its HoldFunds command's id and awaits orders' outcome of it
// (services/gateway/src/orders/funded-bid.ts, docs/event-flows.md). Written as the partition worker
// writes inline reactions (emittedCommands), not as the process manager's pure answer.
import { ESCROW_ANSWERS_MANAGER, ordersMessages, type Envelope } from '@gpux/contracts';
import { emittedCommands, outcomeEventId, reactionCommandId } from '@gpux/eventsourcing';
import { escrowAnswers } from '../domain/escrow/escrow-answers.process-manager';
import { sampleBid as bid } from '../domain/escrow/escrow.fixture';

describe("a funded bid's placement", () => {
  it("writes the funded bid's PlaceOrder under the id the gateway derives from its hold command", () => {
    // The gateway awaits orders' outcome of this very command: the FundsHeld is its HoldFunds'
    // first (only) event, the PlaceOrder the manager's first command for it.
    const holdCommandId = '0b7c1c4e-1111-4222-8333-944455556666';
    const held: Envelope = {
      id: outcomeEventId(holdCommandId, 0),
      type: 'settlement.FundsHeld',
      source: 'settlement',
      subject: 'buyer-1',
      time: '2026-01-01T00:00:00.000Z',
      schemaVersion: 2,
      correlationId: 'c',
      causationId: holdCommandId,
      data: { accountId: 'buyer-1', holdId: 'b1', amount: 43_050_000, marketId: 'H100', order: bid },
    };
    const { commands, span } = emittedCommands(escrowAnswers, ordersMessages, held);
    span?.end();
    expect(escrowAnswers.name).toBe(ESCROW_ANSWERS_MANAGER);
    const placeId = reactionCommandId(ESCROW_ANSWERS_MANAGER, outcomeEventId(holdCommandId, 0), 0);
    expect(commands).toHaveLength(1);
    expect(ordersMessages.decode(commands[0]!)).toMatchObject({
      id: placeId,
      idempotencyKey: placeId,
      type: 'orders.PlaceOrder',
      data: { ...bid, heldAmount: 43_050_000 },
    });
  });
});
