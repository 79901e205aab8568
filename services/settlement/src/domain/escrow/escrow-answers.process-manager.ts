import {
  commandOf,
  Envelope,
  isMessage,
  OrdersCommands,
  SettlementCommands,
  SettlementEvents,
} from '@gpux/contracts';
import type { EmittedCommand, ProcessManager } from '@gpux/eventsourcing/domain';

/**
 * A field of a rejected command's data, when it is a non-empty string. A rejection carries its
 * command as a plain record (of the version it was written with, never upcast), so it is read
 * field by field rather than trusted as the command's current type.
 */
const text = (command: Record<string, unknown> | undefined, field: string): string | undefined => {
  const value = command?.[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** settlement → orders: the answer to a bid's escrow hold lets it trade, or cancels it. */
export const escrowAnswers: ProcessManager = {
  name: 'orders-escrow-answers',
  react(event: Envelope): EmittedCommand[] {
    if (isMessage(event, SettlementEvents.fundsHeld)) {
      const { holdId, marketId } = event.data;
      return marketId
        ? [commandOf(OrdersCommands.confirmBidFunds, marketId, { marketId, orderId: holdId })]
        : [];
    }
    if (isMessage(event, SettlementEvents.commandRejected)) {
      const rejection = event.data;
      if (rejection.commandType !== SettlementCommands.holdFunds.type) return [];
      const holdId = text(rejection.command, 'holdId');
      const marketId = text(rejection.command, 'marketId');
      if (!holdId || !marketId) return [];
      return [commandOf(OrdersCommands.rejectBidFunds, marketId, { marketId, orderId: holdId })];
    }
    return [];
  },
};
