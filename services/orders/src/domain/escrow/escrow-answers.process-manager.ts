import type { CommandRejected, Envelope } from '@gpux/contracts';
import type { EmittedCommand, ProcessManager } from '@gpux/eventsourcing/domain';

/** settlement → orders: the answer to a bid's escrow hold lets it trade, or cancels it. */
export const escrowAnswers: ProcessManager = {
  name: 'orders-escrow-answers',
  react(event: Envelope): EmittedCommand[] {
    if (event.type === 'settlement.FundsHeld') {
      const { holdId, marketId } = event.data as { holdId: string; marketId?: string };
      return marketId
        ? [{ type: 'orders.ConfirmBidFunds', subject: marketId, data: { marketId, orderId: holdId } }]
        : [];
    }
    if (event.type === 'settlement.CommandRejected') {
      const rejection = event.data as CommandRejected;
      const hold = rejection.command as { holdId?: string; marketId?: string } | undefined;
      if (rejection.commandType !== 'settlement.HoldFunds' || !hold?.holdId || !hold.marketId) return [];
      return [
        {
          type: 'orders.RejectBidFunds',
          subject: hold.marketId,
          data: { marketId: hold.marketId, orderId: hold.holdId },
        },
      ];
    }
    return [];
  },
};
