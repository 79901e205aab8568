import { randomUUID } from 'node:crypto';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import {
  closedMarketMessage,
  OrdersCommands,
  OrdersEvents,
  ordersReadModel,
  SettlementCommands,
  settlementReadModel,
} from '@gpux/contracts';
import { RedisClient } from '@gpux/platform';
import { OrdersQueries } from '@gpux/read-models';
import { Caller, Roles } from '../api/access';
import type { Principal } from '../api/auth';
import { COMMAND_TIMEOUT_MS, Commands } from '../api/commands';
import { apiError } from '../api/errors';
import { command, IDEMPOTENCY_KEY } from '../api/idempotency';
import { GraphQLUsd } from '../api/scalars';
import { formatMoney, parseMoney } from '../domain/money';
import { escrowAnswerId } from './funded-bid';
import { BuyingPower } from './orders.views';

const MARKET_ARG = {
  type: () => ID,
  description: 'The market. One that does not exist is refused NOT_FOUND, a closed one MARKET_CLOSED.',
};

/** An amount in US dollars, greater than zero, in micro-USD; BAD_USER_INPUT on `amount` otherwise. */
function positiveAmount(amount: string): number {
  const parsed = parseMoney(amount);
  if (!parsed.ok) throw apiError('BAD_USER_INPUT', `amount ${parsed.reason}`, 'amount');
  if (parsed.micros <= 0) throw apiError('BAD_USER_INPUT', 'amount must be greater than zero', 'amount');
  return parsed.micros;
}

/**
 * Buying power (docs/event-flows.md, "Buying power"): a buyer sets part of its balance aside for
 * one market (settlement holds it and grants it to the market in one transaction), bids on it with
 * funding BUYING_POWER (the market decides them alone), and takes back what its bids do not use.
 */
@Resolver(() => BuyingPower)
export class BuyingPowerResolver {
  private readonly orders: OrdersQueries;

  constructor(
    private readonly commands: Commands,
    redis: RedisClient,
  ) {
    this.orders = new OrdersQueries(redis.redis);
  }

  @Query(() => BuyingPower, {
    description: 'Your buying power in a market (allotBuyingPower): 0 where you allotted none.',
  })
  @Roles('buyer')
  async buyingPower(
    @Args('marketId', MARKET_ARG) marketId: string,
    @Caller() p: Principal,
  ): Promise<BuyingPower> {
    if (!(await this.orders.market(marketId)))
      throw apiError('NOT_FOUND', `market ${marketId} does not exist`, 'marketId');
    return this.read(marketId, p.accountId);
  }

  @Mutation(() => BuyingPower, {
    nullable: true,
    description:
      'Sets part of your available balance aside for your bids in one market, added to what is there: bids placed with funding BUYING_POWER spend it, and the market decides them alone (one step where a bid on your balance takes two). It stays yours: what your bids do not spend comes back with releaseBuyingPower, or by itself when the market closes; until then it cannot be withdrawn (Account.held counts it). Answers once the market has it. Short of funds: INSUFFICIENT_FUNDS on amount, saying what is available (extensions.available).',
  })
  @Roles('buyer')
  async allotBuyingPower(
    @Args('marketId', MARKET_ARG) marketId: string,
    @Args('amount', { type: () => GraphQLUsd, description: 'US dollars, e.g. "500.00"; greater than zero.' })
    amount: string,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<BuyingPower> {
    const micros = positiveAmount(amount);
    const started = Date.now();
    await this.assertOpen(marketId);
    const accountId = p.accountId;
    // The allotment's id chosen here, so the grant it makes (escrowAnswerId) is known before.
    const allot = {
      ...command(
        p,
        SettlementCommands.allotBuyingPower.type,
        accountId,
        { accountId, marketId, amount: micros },
        idempotencyKey,
      ),
      id: randomUUID(),
    };
    const predicted = escrowAnswerId(allot.id);
    const watch = await this.commands.watchOutcome('orders', predicted);
    try {
      const allotted = await this.commands.execute('settlement', allot, settlementReadModel.name);
      // A retry answered with the first allotment's outcome awaits that one's grant.
      const grantId = escrowAnswerId(allotted.commandId);
      const granted = await this.commands.outcomeOf(
        'orders',
        grantId,
        ordersReadModel.name,
        Math.max(COMMAND_TIMEOUT_MS - (Date.now() - started), 1_000),
        allot.clientKey,
        { marketId },
        allotted.replayed ? 'idempotencyKey' : undefined,
        'idempotencyKey',
        grantId === predicted ? watch : undefined,
      );
      // The market closed between the check above and the grant: it gave all of it back.
      if (granted.eventTypes.includes(OrdersEvents.buyingPowerRefused.type)) await this.assertOpen(marketId);
    } finally {
      watch.stop();
    }
    return this.read(marketId, accountId);
  }

  @Mutation(() => BuyingPower, {
    nullable: true,
    description:
      'Gives back buying power your bids in the market do not use (BuyingPower.available): `amount`, or all of it. It is back in your available balance a moment after this answers (settlement applies it). What resting bids on it hold stays with them: cancel them first to free it. More than is there: INSUFFICIENT_FUNDS on amount, saying what is (extensions.available); none at all: BAD_USER_INPUT on marketId.',
  })
  @Roles('buyer')
  async releaseBuyingPower(
    @Args('marketId', MARKET_ARG) marketId: string,
    @Args('amount', {
      type: () => GraphQLUsd,
      nullable: true,
      description: 'US dollars, greater than zero; absent: all that no bid uses.',
    })
    amount: string | undefined,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<BuyingPower> {
    const micros = amount === undefined || amount === null ? undefined : positiveAmount(amount);
    const accountId = p.accountId;
    await this.commands.execute(
      'orders',
      command(
        p,
        OrdersCommands.releaseBuyingPower.type,
        marketId,
        { marketId, accountId, ...(micros === undefined ? {} : { amount: micros }) },
        idempotencyKey,
      ),
      ordersReadModel.name,
    );
    return this.read(marketId, accountId);
  }

  /** NOT_FOUND or MARKET_CLOSED on marketId, as the orders read model shows the market. */
  private async assertOpen(marketId: string): Promise<void> {
    const market = await this.orders.market(marketId);
    if (!market) throw apiError('NOT_FOUND', `market ${marketId} does not exist`, 'marketId');
    if (market.status !== 'OPEN')
      throw apiError(
        'MARKET_CLOSED',
        closedMarketMessage(marketId, market.closedAt, 'it takes no buying power'),
        'marketId',
      );
  }

  private async read(marketId: string, accountId: string): Promise<BuyingPower> {
    return {
      marketId,
      accountId,
      available: formatMoney(await this.orders.buyingPower(marketId, accountId)),
    };
  }
}
