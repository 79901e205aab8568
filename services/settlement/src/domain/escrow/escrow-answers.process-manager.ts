import {
  commandOf,
  ESCROW_ANSWERS_MANAGER,
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

/**
 * settlement → orders: a hold that carries its bid places the bid, funded (PlaceOrder with
 * heldAmount, written with the FundsHeld); the answer to a hold orders asked for (BidAwaitingFunds)
 * lets it trade, or cancels it; buying power set aside for a market is granted to it
 * (orders.GrantBuyingPower, written with the BuyingPowerAllotted). A refused hold that carried its bid needs no answer: no order
 * exists, and its placer is told by the rejection itself.
 */
export const escrowAnswers: ProcessManager = {
  name: ESCROW_ANSWERS_MANAGER,
  react(event: Envelope): EmittedCommand[] {
    if (isMessage(event, SettlementEvents.fundsHeld)) {
      const { holdId, marketId, order, amount } = event.data;
      // The PlaceOrder is this reaction's first command: its id is what the gateway awaits.
      if (order)
        return [commandOf(OrdersCommands.placeOrder, order.marketId, { ...order, heldAmount: amount })];
      return marketId
        ? [commandOf(OrdersCommands.confirmBidFunds, marketId, { marketId, orderId: holdId })]
        : [];
    }
    if (isMessage(event, SettlementEvents.buyingPowerAllotted)) {
      // Its first command, too: the gateway awaits the market's answer to it.
      const { accountId, marketId, amount } = event.data;
      return [commandOf(OrdersCommands.grantBuyingPower, marketId, { marketId, accountId, amount })];
    }
    if (isMessage(event, SettlementEvents.commandRejected)) {
      const rejection = event.data;
      if (rejection.commandType !== SettlementCommands.holdFunds.type) return [];
      if (rejection.command?.['order'] !== undefined) return [];
      const holdId = text(rejection.command, 'holdId');
      const marketId = text(rejection.command, 'marketId');
      if (!holdId || !marketId) return [];
      return [commandOf(OrdersCommands.rejectBidFunds, marketId, { marketId, orderId: holdId })];
    }
    return [];
  },
};
