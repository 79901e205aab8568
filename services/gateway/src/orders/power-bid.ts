import { holdFor, OrdersCommands, ordersReadModel } from '@gpux/contracts';
import type { ReadOutcome, ReservationGuard } from '@gpux/eventsourcing';
import type { OrdersQueries } from '@gpux/read-models';
import { GraphQLError } from 'graphql';
import type { Principal } from '../api/auth';
import { COMMAND_TIMEOUT_MS, Commands } from '../api/commands';
import { command } from '../api/idempotency';
import { formatMoney } from '../domain/money';
import type { BidData } from './funded-bid';

/**
 * A bid on the account's buying power in its market (docs/event-flows.md, "Buying power"): sent
 * to orders as it is, with `fromPower`, decided there alone. The client's key binds the bid with
 * its funding, so the same key with the other funding is another request (IDEMPOTENCY_KEY_REUSED).
 * A refusal for want of buying power says, as a bid short of its balance does, what the bid needs
 * (extensions.required) besides what there is (available), and the order its key names.
 * Answers the outcome with the order's hash as the read model then held it (`hash`) when it was
 * read as applied there.
 */
export async function placeBidOnPower(
  commands: Commands,
  orders: OrdersQueries,
  p: Principal,
  bid: BidData,
  clientKey: string,
  keyField: string,
  /** Whether the client gave the key (a clientOrderId); else the gateway made it. */
  named: boolean,
  /** What the key's binding looks at first (orders.resolver.ts: the order its key names). */
  guard?: ReservationGuard,
): Promise<ReadOutcome> {
  try {
    return await commands.execute(
      'orders',
      {
        ...command(
          p,
          OrdersCommands.placeOrder.type,
          bid.marketId,
          { ...bid, fromPower: true },
          clientKey,
          !named,
        ),
        withHash: ordersReadModel.order(bid.orderId),
        ...(guard ? { guard } : {}),
      },
      ordersReadModel.name,
      COMMAND_TIMEOUT_MS,
      keyField,
    );
  } catch (error) {
    if (!(error instanceof GraphQLError) || error.extensions['code'] !== 'INSUFFICIENT_FUNDS') throw error;
    // Read only on this path: the market's fee, for the figure the bid needs.
    const market = await orders.market(bid.marketId).catch(() => null);
    throw new GraphQLError(error.message, {
      ...error,
      extensions: {
        ...error.extensions,
        ...(named ? { orderId: bid.orderId } : {}),
        ...(market ? { required: formatMoney(holdFor(bid, market.feeRateBps)) } : {}),
      },
    });
  }
}
