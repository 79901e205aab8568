import {
  counted,
  dollars,
  bidRefusal,
  ESCROW_ANSWERS_MANAGER,
  holdFor,
  marketRefusal,
  Order,
  OrdersCommands,
  ordersReadModel,
  SettlementCommands,
  settlementReadModel,
} from '@gpux/contracts';
import { outcomeEventId, ReadOutcome, reactionCommandId, ReservationGuard } from '@gpux/eventsourcing';
import type { OrdersQueries } from '@gpux/read-models';
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Principal } from '../api/auth';
import { Commands } from '../api/commands';
import { isErrorCode } from '../api/error-codes';
import { apiError } from '../api/errors';
import { command } from '../api/idempotency';
import { asReplayed, keepReplayed } from '../api/replayed';
import { availableOf } from '../domain/available';
import { formatMoney } from '../domain/money';

/** A bid as the gateway places it: orders.PlaceOrder's data. */
export type BidData = Order & { side: 'bid' };

/**
 * The id (and idempotency key) of the orders command settlement writes with the first event of the
 * settlement command `commandId`, its escrow-answers manager's first command: the funded
 * orders.PlaceOrder of a hold that carries its bid (docs/event-flows.md, "A bid: the hold first"),
 * the orders.GrantBuyingPower of an allotment ("Buying power"). A retry of the settlement command is
 * answered with the first command's id, so it awaits the same orders command.
 */
export const escrowAnswerId = (commandId: string): string =>
  reactionCommandId(ESCROW_ANSWERS_MANAGER, outcomeEventId(commandId, 0), 0);

/**
 * What a refused hold tells the bidder: today's answer to a bid its funds could not cover, as
 * withdraw's: the field at fault (the price, which with gpus and hours makes the worst case), what
 * is available and what the bid needs (also in extensions: available, required). `named`: the
 * caller gave the bid a clientOrderId, whose order id (extensions.orderId) is the one a retry with
 * it aims at; a bid without one had a random id that no order ever has, and none is named.
 */
export function holdRefusal(error: unknown, bid: BidData, amount: number, named: boolean): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const code = error.extensions['code'];
  // Another live hold has this id: the order exists (orders' own answer to a second PlaceOrder).
  if (code === 'ALREADY_EXISTS')
    return apiError('ALREADY_EXISTS', `order ${bid.orderId} already exists`, 'orderId');
  // Short of funds, or no account to hold from: the bid's worst case is not covered.
  if (code === 'INSUFFICIENT_FUNDS' || code === 'NOT_FOUND') {
    const value = bid.gpus * bid.hours * bid.price;
    // No account: nothing is available to it.
    const available = code === 'NOT_FOUND' ? 0 : availableOf(error);
    const has =
      code === 'NOT_FOUND'
        ? `account ${bid.accountId} does not exist, so nothing is available to it`
        : available === undefined
          ? `account ${bid.accountId}'s available balance does not cover it`
          : `account ${bid.accountId} has ${dollars(available)} available`;
    return apiError(
      'INSUFFICIENT_FUNDS',
      `the bid needs ${dollars(amount)} held for its worst case, ${counted(bid.gpus, 'GPU')} × ${counted(bid.hours, 'hour')} × ${dollars(bid.price)} = ${dollars(value)}, plus a fee of ${dollars(amount - value)}; ${has}: bid for less, cancel a resting bid to free what it holds, or ask the operator for a deposit (an account key cannot deposit)`,
      'price',
      {
        ...(named ? { orderId: bid.orderId } : {}),
        required: formatMoney(amount),
        ...(available === undefined ? {} : { available: formatMoney(available) }),
      },
    );
  }
  return error;
}

/**
 * A bid, funded before the market sees it: refused at once by the market's rules as the read model
 * shows them; else settlement holds its worst case (at the market's fee as read) and, in the same
 * transaction, places it with orders, which trades it, rests it, or refuses it and releases the
 * hold in one transaction. Answers once orders has decided and its read model shows the decision;
 * a refusal is thrown as a rejected PlaceOrder was. The client's key is bound to the bid in
 * orders' reservations too, as placing it was. Answers orders' outcome, with the order's hash as
 * the read model then held it (`hash`) when it was read as applied there.
 */
export async function placeFundedBid(
  commands: Commands,
  orders: OrdersQueries,
  p: Principal,
  bid: BidData,
  clientKey: string,
  keyField: string,
  timeoutMs: number,
  /** Whether the client gave the key (a clientOrderId); else the gateway made it (orders.resolver.ts). */
  named: boolean,
  /** What the key's binding looks at first (orders.resolver.ts: the order its key names). */
  guard?: ReservationGuard,
): Promise<ReadOutcome> {
  const started = Date.now();
  commands.validate('orders', OrdersCommands.placeOrder.type, bid);
  const placing = {
    ...command(p, OrdersCommands.placeOrder.type, bid.marketId, bid, clientKey, !named),
    ...(guard ? { guard } : {}),
  };
  // The market's rules and the bid's shape, on the market as the read model shows it: a bid they
  // refuse holds nothing (orders applies them again when it decides, to the market as it is then),
  // but its key is bound to it in orders' reservations, as placing it binds it.
  const market = await orders.market(bid.marketId);
  const refused = market
    ? (marketRefusal(bid, {
        tickSize: market.tickSize,
        open: market.status === 'OPEN',
        ...(market.closedAt ? { closedAt: market.closedAt } : {}),
      }) ?? bidRefusal(bid, market.feeRateBps))
    : marketRefusal(bid, undefined);
  if (refused) {
    await commands.reserve('orders', placing, keyField);
    throw apiError(refused.code, refused.message, refused.field);
  }
  if (!market) throw new Error(`market ${bid.marketId}: an unknown market is refused above`);
  const amount = holdFor(bid, market.feeRateBps);
  // The hold's id chosen here, so the PlaceOrder it makes (escrowAnswerId) is known before.
  const hold = {
    ...command(
      p,
      SettlementCommands.holdFunds.type,
      bid.accountId,
      { accountId: bid.accountId, holdId: bid.orderId, amount, marketId: bid.marketId, order: bid },
      clientKey,
      !named,
    ),
    id: randomUUID(),
  };
  // Both outcomes listened for before the key is bound (CommandSender.watchOutcome): each is read
  // once it is announced, not first on the chance that it is recorded. The PlaceOrder's id derives
  // from this hold's, made just now: nothing can announce it before the hold is written.
  const predictedPlaceId = escrowAnswerId(hold.id);
  const watches = await Promise.allSettled([
    commands.watchOutcome('settlement', hold.idempotencyKey!),
    commands.watchOutcome('orders', predictedPlaceId),
  ]);
  const [holdWatched, placeWatched] = watches;
  if (holdWatched.status === 'rejected' || placeWatched.status === 'rejected') {
    // One begun, the other refused (Redis down): the one begun is let go of, not left listening.
    for (const w of watches) if (w.status === 'fulfilled') w.value.stop();
    throw holdWatched.status === 'rejected'
      ? holdWatched.reason
      : (placeWatched as PromiseRejectedResult).reason;
  }
  const [holdWatch, placeWatch] = [holdWatched.value, placeWatched.value];
  try {
    // The key bound to the bid in both services at once (orders' as placing it would), or in neither.
    const { recorded, reservations } = await commands.reserveAll(
      [
        ['orders', placing],
        ['settlement', hold],
      ],
      keyField,
    );
    let held;
    try {
      held = await commands.execute(
        'settlement',
        {
          ...hold,
          reserved: true,
          recorded: recorded.has(hold.idempotencyKey!),
          ...(reservations[1] ? { reservation: reservations[1] } : {}),
          watch: holdWatch,
        },
        settlementReadModel.name,
        timeoutMs,
        keyField,
      );
    } catch (error) {
      // Its refusal names the order it would have made only for a client that can name it again.
      throw keepReplayed(error, holdRefusal(error, bid, amount, named), keyField);
    }
    const placeId = escrowAnswerId(held.commandId);
    // A hold answered from its recorded outcome: what orders decided of the bid is a replay too.
    const replayOf = held.replayed ? keyField : undefined;
    const placed = await commands.outcomeOf(
      'orders',
      placeId,
      ordersReadModel.name,
      Math.max(timeoutMs - (Date.now() - started), 1_000),
      clientKey,
      { orderId: bid.orderId },
      replayOf,
      keyField,
      // Another hold's PlaceOrder (a retry answered with the first's outcome) may be recorded.
      placeId === predictedPlaceId ? placeWatch : undefined,
      ordersReadModel.order(bid.orderId),
    );
    await placedOrRefused(orders, bid, placeId, placed, replayOf);
    return placed;
  } finally {
    holdWatch.stop();
    placeWatch.stop();
  }
}

/** Returns once orders placed the bid; throws its refusal where orders refused it (FundedBidRefused). */
async function placedOrRefused(
  orders: OrdersQueries,
  bid: BidData,
  placeId: string,
  placed: { eventTypes: string[]; time?: string },
  replayOf: string | undefined,
): Promise<void> {
  if (!placed.eventTypes.includes('orders.FundedBidRefused')) return;
  const refusal = await orders.fundedBidRefusal(placeId);
  if (!refusal)
    throw new Error(`funded bid ${bid.orderId} refused, but its refusal is not in the read model`);
  const decided = apiError(
    isErrorCode(refusal.code) ? refusal.code : 'BAD_USER_INPUT',
    refusal.message,
    refusal.field,
  );
  throw replayOf ? asReplayed(decided, replayOf, placed.time) : decided;
}
