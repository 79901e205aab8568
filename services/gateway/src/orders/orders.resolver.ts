import { randomUUID } from 'node:crypto';
import { GraphQLError, GraphQLResolveInfo } from 'graphql';
import {
  Args,
  Field,
  ID,
  Info,
  InputType,
  Int,
  Mutation,
  Query,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import { NUMBER_LIMITS, OrdersCommands, ordersReadModel as rm } from '@gpux/contracts';
import { projectionKeys, type ReadOutcome, type ReservationGuard } from '@gpux/eventsourcing';
import { RedisClient } from '@gpux/platform';
import {
  ORDER_CREATED_FIELDS,
  orderCreatedAtOf,
  OrderFacets,
  OrdersQueries,
  orderView,
  RankedSet,
  SettlementQueries,
} from '@gpux/read-models';
import { Caller, Roles } from '../api/access';
import type { Principal } from '../api/auth';
import { COMMAND_TIMEOUT_MS, Commands } from '../api/commands';
import { checkPageArgs, keptOf, Page, PageArgs, pageAt, readSetPage } from '../api/connections';
import { GraphQLUsd } from '../api/scalars';
import { apiError } from '../api/errors';
import {
  command,
  IDEMPOTENCY_KEY,
  idempotencyKeyProblem,
  idFromKey,
  KEY_RULE_SENTENCE,
} from '../api/idempotency';
import { RedisPubSub } from '../api/pubsub';
import { ReadModelWatch, unavailableError } from '../api/rebuilding';
import { readRecorded, recordedDeadline, RecordedSource } from '../api/recorded';
import { timedOutError } from '../api/timeout';
import { keepReplayed } from '../api/replayed';
import { memoised } from '../api/request-memo';
import { ordersFilterScans } from '../api/whole-scans';
import { parseMoney } from '../domain/money';
import { placeFundedBid } from './funded-bid';
import { placeBidOnPower } from './power-bid';
import { assertSideRole } from './side-role';
import { isClosedMarketRefusal, toldWithClosingTime } from './closed-market';
import { FIRST_VIEW_MAX_ORDERS, firstViewOrderIds } from './first-view';
import { onKeyArgument, orderIdReuse } from './order-id-reuse';
import { CLIENT_ORDER_ID_ARG, orderNamed, orderNames } from './order-named';
import {
  atAccountPositions,
  contradictoryFilter,
  OrderIndex,
  orderIndexFor,
  orderListOf,
} from './order-index';
import {
  FillConnection,
  LeaseConnection,
  matchesOrder,
  OrderConnection,
  OrdersFilter,
  Order,
  OrderFunding,
  Side,
  TimeInForce,
  toFill,
  toLease,
  toOrder,
} from './orders.views';

@InputType({ description: 'An order: a bid for GPU-hours, or an ask selling GPUs of one of your nodes.' })
export class PlaceOrderInput {
  @Field(() => ID, {
    description: 'The market to trade in. An unknown one is refused NOT_FOUND, a closed one MARKET_CLOSED.',
  })
  marketId!: string;
  @Field(() => Side, {
    description: 'BID to buy (a BUYER key), ASK to sell on a node of yours (a PROVIDER key).',
  })
  side!: Side;
  @Field(() => Int, { description: `How many GPUs: 1 to ${NUMBER_LIMITS.orderGpus}.` })
  gpus!: number;
  @Field(() => Int, {
    description: `A bid: the hours wanted. An ask: the most hours offered. 1 to ${NUMBER_LIMITS.hours} (a leap year). A bid trades only with asks that offer at least its hours: an ask of 2 hours and a bid of 3 at crossing prices do not trade, and both rest (the book shows them crossed; an IOC bid is CANCELLED with IOC_REMAINDER, a FOK bid with FOK_UNFILLABLE).`,
  })
  hours!: number;
  @Field(() => GraphQLUsd, {
    description: "Limit price per GPU-hour in US dollars, a multiple of the market's tick size.",
  })
  price!: string;
  @Field(() => ID, { nullable: true, description: 'An ask: the node whose GPUs it sells.' })
  nodeId?: string;
  @Field(() => Int, {
    nullable: true,
    description: `A bid: the fewest GPUs it accepts from one node, 1 to ${NUMBER_LIMITS.orderGpus} and at most gpus. Each trade takes at least that many from one ask (one node's offer; two asks of a node are not added up), and leaves the bid none or at least that many still to fill: a bid of 4 with 2 per node takes 2 of an ask of 3, and a bid of 5 with 3 per node none of an ask of 4. An ask, which sells one node's GPUs, has none.`,
  })
  minGpusPerNode?: number;
  @Field(() => TimeInForce, {
    defaultValue: TimeInForce.GTC,
    description:
      'How long what does not trade at once may rest: GTC (the default) until cancelled, IOC and FOK not at all.',
  })
  timeInForce!: TimeInForce;
  @Field(() => OrderFunding, {
    defaultValue: OrderFunding.BALANCE,
    description:
      'A bid: what pays for its worst case while it may trade. BALANCE (the default): your available balance, held by settlement before the market sees the bid. BUYING_POWER: your buying power in the market (allotBuyingPower), spent by the market alone, one step faster. An ask pays nothing: BALANCE only.',
  })
  funding!: OrderFunding;
  @Field({
    nullable: true,
    description:
      "Your id for the order, and its idempotency key (the same as placeOrder's idempotencyKey argument): the same order again with it is not placed again: it answers that order as it is now (OPEN, FILLED, CANCELLED...), or its first refusal again; a different order with it fails with IDEMPOTENCY_KEY_REUSED (extensions.field input.clientOrderId) and changes nothing. Remembered for 24 hours; after that the order keeps its id, and the clientOrderId is refused (ALREADY_EXISTS) while the order exists: an order's id is never used again." +
      KEY_RULE_SENTENCE,
  })
  clientOrderId?: string;
}

/** Whether a notice on an account's orders channel (`{ orderId, type }`) is about this order. */
function announces(message: string, orderId: string): boolean {
  try {
    return (JSON.parse(message) as { orderId?: unknown }).orderId === orderId;
  } catch {
    return false;
  }
}

/** FIRST_VIEW_MAX_ORDERS as myOrderUpdated's description says it (1,000). */
const FIRST_VIEW_MAX = FIRST_VIEW_MAX_ORDERS.toLocaleString('en-US');

@Resolver(() => Order)
export class OrdersResolver {
  private readonly orders: OrdersQueries;
  private readonly settlement: SettlementQueries;
  private readonly source: RecordedSource;

  constructor(
    private readonly commands: Commands,
    redis: RedisClient,
    private readonly pubsub: RedisPubSub,
    private readonly watch: ReadModelWatch,
  ) {
    this.orders = new OrdersQueries(redis.redis);
    this.settlement = new SettlementQueries(redis.redis);
    this.source = { redis: redis.redis, notices: commands.notices };
  }

  /** The order as queries see it: from `read`, its hash as read already, else read now. */
  private async readOrder(orderId: string, read?: Record<string, string>): Promise<Order | null> {
    const order = read ? orderView(orderId, read) : await this.orders.order(orderId);
    return order && toOrder(order);
  }

  @Mutation(() => Order, {
    nullable: true,
    description:
      "Places an order. A bid is funded for its worst case (GPUs × hours × limit price + fee) before it can trade: by an escrow hold on your balance, or from your buying power in the market (input.funding BUYING_POWER, allotBuyingPower); without the funds it fails with INSUFFICIENT_FUNDS (on input.price, saying what is available and what the bid needs). Answers with the order as queries then see it: traded, resting or cancelled. Matching is by price, then time, among the orders that can trade: a bid and an ask trade only when the ask offers at least the hours the bid wants, the ask alone can give at least the bid's minGpusPerNode GPUs and leave the bid none or at least that many to fill (see minGpusPerNode), and its node may still sell; an order passes over those it cannot trade with. An order never trades with its own account's: when it reaches one it could trade with, it keeps what it traded before and the rest of it is cancelled (SELF_TRADE: self-trade prevention, the newer order cancelled), resting or not (a FOK that reaches one before it is filled trades nothing: FOK_UNFILLABLE); one of its own it could not trade with is passed over like any other. So an order can rest at a price that crosses the other side (the book shows the prices, not the hours), and an IOC's remainder is cancelled (IOC_REMAINDER) when no order it could trade with was left. Look the order up later by its id or its clientOrderId (order(clientOrderId:)).",
  })
  @Roles('buyer', 'provider')
  async placeOrder(
    @Args('input', { description: 'The order to place.' }) input: PlaceOrderInput,
    @Args('idempotencyKey', {
      ...IDEMPOTENCY_KEY,
      description: `${IDEMPOTENCY_KEY.description} For an order it is the order's clientOrderId (either may be given; both must then be the same); the order's id derives from it, and is never used again: once the key is forgotten, it is refused ALREADY_EXISTS while its order exists.`,
    })
    idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<Order> {
    assertSideRole(p, input.side);
    if (input.funding === OrderFunding.BUYING_POWER && input.side !== Side.BID)
      throw apiError(
        'BAD_USER_INPUT',
        'only a bid is funded: an ask pays nothing, so its funding is BALANCE (the default)',
        'funding',
      );
    if (
      idempotencyKey !== undefined &&
      input.clientOrderId !== undefined &&
      idempotencyKey !== input.clientOrderId
    )
      throw apiError(
        'BAD_USER_INPUT',
        'idempotencyKey and input.clientOrderId name the same thing: give one, or both the same',
        'idempotencyKey',
      );
    const keyField = idempotencyKey !== undefined ? 'idempotencyKey' : 'clientOrderId';
    input = { ...input, clientOrderId: input.clientOrderId ?? idempotencyKey };
    const price = parseMoney(input.price);
    if (!price.ok) throw apiError('BAD_USER_INPUT', `price ${price.reason}`, 'price');
    if (price.micros <= 0) throw apiError('BAD_USER_INPUT', 'price must be greater than zero', 'price');
    // One rule for every key, whichever argument carries it.
    const keyProblem =
      input.clientOrderId === undefined ? null : idempotencyKeyProblem(input.clientOrderId, keyField);
    if (keyProblem) throw apiError('BAD_USER_INPUT', keyProblem, keyField);
    // The same client id gives the same order id, so a retry finds the order its first try made;
    // once the key is forgotten, an order with that id is another's, and the id is never reused.
    // Without one the gateway makes the key, as for any mutation sent without one (idempotency.ts):
    // a TIMEOUT names it, and the order sent again with it (as clientOrderId or idempotencyKey) is
    // the same order, answered with its first outcome. Before, a keyless order's id was random and
    // its key that id: sent again with it, the id derived from it was another, IDEMPOTENCY_KEY_REUSED.
    const key = input.clientOrderId ?? randomUUID();
    const orderId = idFromKey('ord', p.accountId, key);
    // When the key's order was placed, if it was: an IDEMPOTENCY_KEY_REUSED refusal says so.
    let createdAt: string | null = null;
    // A client's key: the order its id names is looked at in the same script call as the key's
    // binding, before it. Found, it is judged here (placed more than the window ago: the id is
    // never used again), and nothing is bound unless it is admitted; not found while orders' model
    // is refolded (Redis flushed), it may be an order not folded back yet, and nothing is bound
    // either (UNAVAILABLE, to retry once the model is whole). Before, these were read in a round
    // trip of their own ahead of the binding.
    const guard: ReservationGuard | undefined =
      input.clientOrderId === undefined
        ? undefined
        : {
            hash: rm.order(orderId),
            fields: ORDER_CREATED_FIELDS,
            model: [projectionKeys(rm.name).epoch, projectionKeys(rm.name).rebuilding],
            admit: (values) => {
              createdAt = orderCreatedAtOf(values);
              const reused = orderIdReuse(orderId, createdAt, Date.now(), this.commands.idempotencyWindowMs);
              if (reused) throw apiError('ALREADY_EXISTS', `${keyField}: ${reused}`, keyField, { orderId });
            },
          };
    const data = {
      marketId: input.marketId,
      orderId,
      side: input.side,
      accountId: p.accountId,
      price: price.micros,
      gpus: input.gpus,
      hours: input.hours,
      ...(input.nodeId ? { nodeId: input.nodeId } : {}),
      ...(input.minGpusPerNode !== undefined ? { minGpusPerNode: input.minGpusPerNode } : {}),
      timeInForce: input.timeInForce,
      // The order's key, kept with it (Order.clientOrderId): the client's, or the one made here,
      // which a TIMEOUT names and which places the same order again, so it is the same request.
      clientOrderId: key,
    };
    // clientOrderId is the order's idempotency key: the same order again is a retry, another one with it is refused.
    const started = Date.now();
    // The outcome that decided the order, read with the order's hash when it was applied there.
    let decided: ReadOutcome;
    try {
      if (data.side === Side.BID && input.funding === OrderFunding.BUYING_POWER) {
        // A bid on buying power: the market decides it alone (docs/event-flows.md, "Buying power").
        decided = await placeBidOnPower(
          this.commands,
          this.orders,
          p,
          { ...data, side: 'bid' },
          key,
          keyField,
          input.clientOrderId !== undefined,
          guard,
        );
      } else if (data.side === Side.BID) {
        // A bid: settlement holds its funds first and places it with orders in the same transaction.
        decided = await placeFundedBid(
          this.commands,
          this.orders,
          p,
          { ...data, side: 'bid' },
          key,
          keyField,
          COMMAND_TIMEOUT_MS,
          input.clientOrderId !== undefined,
          guard,
        );
      } else {
        decided = await this.commands.execute(
          'orders',
          {
            ...command(
              p,
              OrdersCommands.placeOrder.type,
              input.marketId,
              data,
              key,
              input.clientOrderId === undefined,
            ),
            withHash: rm.order(orderId),
            ...(guard ? { guard } : {}),
          },
          rm.name,
          COMMAND_TIMEOUT_MS,
          keyField,
        );
      }
    } catch (error) {
      // A closed market's refusal says when it closed (orders' own does not know; the read model does).
      // Not read (Redis down), the refusal is answered as orders decided it, without the time.
      const closedAt = isClosedMarketRefusal(error)
        ? (await this.orders.market(input.marketId).catch(() => undefined))?.closedAt
        : undefined;
      throw onKeyArgument(
        toldWithClosingTime(error, input.marketId, closedAt, keyField),
        keyField,
        orderId,
        createdAt,
      );
    }
    // Decided and visible by now (a bid's refusal was thrown): the order as queries see it, read
    // with the outcome when that was read as applied (else once now); only an order still waiting
    // for funds (the older handshake) waits for its notice.
    const order = await this.readOrder(orderId, decided.hash);
    if (order && order.status !== 'PENDING_FUNDS') return order;
    return this.settled(orderId, p.accountId, COMMAND_TIMEOUT_MS - (Date.now() - started), key);
  }

  /**
   * The order once it is past waiting for funds: read at once (what the gateway sends is decided
   * and visible before it asks), else when the account's orders channel announces a change to it
   * (the orders projection publishes one with every write to an order; a bid placed before the
   * hold came first may still wait), and a last time at the deadline.
   */
  private async settled(
    orderId: string,
    accountId: string,
    timeoutMs: number,
    idempotencyKey: string,
  ): Promise<Order> {
    const order = await this.commands.notices.waitFor(
      rm.accountOrdersChannel(accountId),
      async () => {
        const read = await this.readOrder(orderId);
        return read && read.status !== 'PENDING_FUNDS' ? read : undefined;
      },
      Math.max(timeoutMs, 1_000),
      (message) => announces(message, orderId),
    );
    if (order) return order;
    throw timedOutError(
      `order ${orderId} is still waiting for settlement's escrow hold; look it up with order(id) or retry with the same clientOrderId`,
      { idempotencyKey, orderId },
    );
  }

  @Mutation(() => Order, {
    nullable: true,
    description:
      "Cancels what is left of your order, named by its id (orderId) or by the clientOrderId you placed it with (exactly one of them); a bid's hold for it is released. An order with nothing left (filled, or cancelled already) is refused ORDER_NOT_OPEN (extensions.status says which).",
  })
  @Roles('buyer', 'provider')
  async cancelOrder(
    @Args('orderId', { type: () => ID, nullable: true, description: 'The order id (ord-…).' })
    orderIdArg: string | undefined,
    @Args('clientOrderId', CLIENT_ORDER_ID_ARG) clientOrderId: string | undefined,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<Order> {
    const started = Date.now();
    const { orderId, field } = orderNamed(p, 'orderId', orderIdArg, clientOrderId);
    const order = await this.readOrder(orderId);
    if (!order)
      throw apiError('NOT_FOUND', `order ${orderNames(orderId, clientOrderId)} does not exist`, field);
    // Whose an order is never changes: another's is refused whatever became of it, as the market
    // refuses it while it is open.
    if (order.accountId !== p.accountId)
      throw apiError('FORBIDDEN', `order ${orderId} belongs to another account`, field);
    // A bid is a buyer key's to cancel and an ask a provider key's, as each is theirs to place.
    const role = order.side === 'bid' ? 'buyer' : 'provider';
    if (!p.roles.includes(role))
      throw apiError(
        'FORBIDDEN',
        `order ${orderId} is ${order.side === 'bid' ? 'a bid' : 'an ask'}: cancel it with a ${role} key`,
        field,
      );
    const data = { marketId: order.marketId, orderId, accountId: p.accountId };
    const cancelling = command(p, OrdersCommands.cancelOrder.type, order.marketId, data, idempotencyKey);
    let outcome;
    try {
      outcome = await this.commands.execute('orders', cancelling, rm.name);
    } catch (error) {
      throw keepReplayed(error, await this.notOpenSaysWhy(error, orderId, field), 'idempotencyKey');
    }
    return readRecorded(
      this.source,
      rm.name,
      outcome,
      () => this.readOrder(orderId),
      {
        what: `order ${orderId} was cancelled`,
        readWith: `order(id: ${JSON.stringify(orderId)})`,
        extensions: { orderId, idempotencyKey: cancelling.clientKey },
      },
      recordedDeadline(started),
    );
  }

  /**
   * The market refuses to cancel any order not in its book, NOT_FOUND "is not open"; the read
   * model says what became of it (filled or cancelled: final, so never a state it could leave):
   * ORDER_NOT_OPEN, as the order exists (NOT_FOUND would say it does not).
   */
  private async notOpenSaysWhy(error: unknown, orderId: string, field: string): Promise<unknown> {
    if (!(error instanceof GraphQLError) || error.extensions['code'] !== 'NOT_FOUND') return error;
    const order = await this.readOrder(orderId).catch(() => null);
    if (order?.status !== 'FILLED' && order?.status !== 'CANCELLED') return error;
    return apiError(
      'ORDER_NOT_OPEN',
      `order ${orderId} is ${order.status === 'FILLED' ? 'filled' : 'cancelled'}: nothing is left to cancel`,
      field,
      { status: order.status },
    );
  }

  @Query(() => Order, {
    nullable: true,
    description:
      'One of your orders, by its id or by the clientOrderId you placed it with (exactly one of them); null when there is none. The admin looks orders up by id only.',
  })
  @Roles('buyer', 'provider', 'admin')
  async order(
    @Args('id', { type: () => ID, nullable: true, description: 'The order id (ord-…).' })
    id: string | undefined,
    @Args('clientOrderId', CLIENT_ORDER_ID_ARG) clientOrderId: string | undefined,
    @Caller() p: Principal,
  ): Promise<Order | null> {
    const { orderId, field } = orderNamed(p, 'id', id, clientOrderId);
    const order = await this.readOrder(orderId);
    if (order && !p.roles.includes('admin') && order.accountId !== p.accountId)
      throw apiError('FORBIDDEN', `order ${orderId} is not yours`, field);
    return order;
  }

  @Query(() => OrderConnection, {
    description:
      'Your orders, newest first, filtered. A status reads only your orders of that status (PENDING_FUNDS, OPEN and PARTIALLY_FILLED your live ones; live: true all three); without a status or live, a market, a side or both read only those orders, a page at a time. A market that does not exist is refused NOT_FOUND on filter.marketId.',
  })
  @Roles('buyer', 'provider')
  async myOrders(
    @Args() args: PageArgs,
    @Args('filter', {
      type: () => OrdersFilter,
      nullable: true,
      description: 'Which of your orders to list; left out, all of them.',
    })
    filter: OrdersFilter | undefined,
    @Caller() p: Principal,
    @Info() info: GraphQLResolveInfo,
  ) {
    const contradiction = filter && contradictoryFilter(filter);
    if (contradiction) throw apiError('BAD_USER_INPUT', contradiction, 'filter.live');
    // An unknown market is refused as an unknown id is everywhere else: answered with no orders,
    // a mistyped id read as a market you have no orders in.
    if (filter?.marketId && !(await this.orders.market(filter.marketId)))
      throw apiError('NOT_FOUND', `market ${filter.marketId} does not exist`, 'filter.marketId');
    const index = orderIndexFor(filter ?? {});
    const source = this.ordersIn(p.accountId, index);
    // No status: the index holds the filter's orders and no other (all of them, a market's, a
    // side's, or a side's in a market), so a page is a page of it.
    if (!filter || !ordersFilterScans(filter))
      return readSetPage(
        args,
        source,
        (ids) => Promise.all(ids.map((id) => this.readOrder(id))),
        'newest first',
        { field: 'myOrders', of: orderListOf(p.accountId, index) },
      );
    // A status: the filter looks at each order's facets (market, side, status) in the status's
    // index; the page's orders are then read whole. An account with 30,000 orders cost 0.85 s of
    // the gateway's CPU per filtered query when every order was read whole. Aliases with the same
    // filter read the index once; a page it would refuse reads none of it.
    const list = { field: 'myOrders', of: p.accountId } as const;
    checkPageArgs(args, list, 'members');
    const all = this.orders.accountOrders(p.accountId);
    const key = JSON.stringify([
      'myOrders',
      p.accountId,
      filter.status,
      filter.marketId || '',
      filter.side || '',
      filter.live ?? '',
    ]);
    const kept = await memoised(info, key, async () => {
      const kept = await keptOf(
        source,
        (ids) => this.orders.orderFacets(ids),
        (o) => matchesOrder(o, filter),
      );
      // Orders leave the live ones, and the filled and cancelled ones are listed by when: a cursor
      // holds the order's position among all the account's orders, where it stays listed.
      return atAccountPositions(
        kept,
        await this.orders.accountOrderPositions(
          p.accountId,
          kept.map((k) => k.member),
        ),
      );
    });
    return this.wholeOrders(await pageAt(args, kept, 'newest first', all.rank, list));
  }

  /** A page of orders' facets as the page of the orders themselves; one gone since is left out. */
  private async wholeOrders(page: Page<OrderFacets>): Promise<Page<Order>> {
    const orders = await Promise.all(page.edges.map(({ node }) => this.readOrder(node.orderId)));
    return {
      ...page,
      edges: page.edges.flatMap(({ cursor }, i) => {
        const node = orders[i];
        return node ? [{ cursor, node }] : [];
      }),
    };
  }

  /** The order ids an index of the account holds (order-index.ts). */
  private ordersIn(accountId: string, index: OrderIndex): RankedSet {
    switch (index.kind) {
      case 'live':
        return this.orders.accountLiveOrders(accountId);
      case 'filled':
        return this.orders.accountFilledOrders(accountId);
      case 'cancelled':
        return this.orders.accountCancelledOrders(accountId);
      case 'market':
        return this.orders.accountMarketOrders(accountId, index.marketId);
      case 'side':
        return this.orders.accountSideOrders(accountId, index.side, index.marketId);
      case 'all':
        return this.orders.accountOrders(accountId);
    }
  }

  @Query(() => FillConnection, {
    description:
      "Your trades, as buyer or provider, newest first; with orderId, only that order's (another account's order is refused FORBIDDEN, one that does not exist NOT_FOUND).",
  })
  @Roles('buyer', 'provider')
  async myFills(
    @Args() args: PageArgs,
    @Args('orderId', { type: () => ID, nullable: true, description: "Only this order's fills." })
    orderId: string | undefined,
    @Caller() p: Principal,
  ) {
    // An order's fills are its account's alone (its trades, by the projection's orderFills).
    const byOrder = orderId !== undefined && orderId !== null;
    if (byOrder) {
      const order = await this.orders.order(orderId);
      if (!order) throw apiError('NOT_FOUND', `order ${orderId} does not exist`, 'orderId');
      if (order.accountId !== p.accountId)
        throw apiError('FORBIDDEN', `order ${orderId} is not yours`, 'orderId');
    }
    const fills = byOrder ? this.orders.orderFills(orderId) : this.orders.accountFills(p.accountId);
    return readSetPage(
      args,
      fills,
      async (ids) => {
        const trades = await Promise.all(ids.map((id) => this.orders.trade(id)));
        return trades.map((t) => t && toFill(t, p.accountId));
      },
      'newest first',
      { field: 'myFills', of: byOrder ? orderId : p.accountId },
    );
  }

  @Query(() => LeaseConnection, {
    description: 'Your leases, as buyer or provider, newest first, with what has been charged.',
  })
  @Roles('buyer', 'provider')
  async myLeases(@Args() args: PageArgs, @Caller() p: Principal) {
    const leases = this.settlement.accountLeases(p.accountId);
    return readSetPage(
      args,
      leases,
      async (ids) =>
        (await Promise.all(ids.map((id) => this.settlement.lease(id)))).map(
          (l) => l && toLease(l, p.accountId),
        ),
      'newest first',
      { field: 'myLeases', of: p.accountId },
    );
  }

  @Subscription(() => Order, {
    description: `Your orders as they change: first each of your live orders (PENDING_FUNDS, OPEN, PARTIALLY_FILLED) as it stands once the subscription is live, oldest first, at most ${FIRST_VIEW_MAX} of them: with more live, the newest ${FIRST_VIEW_MAX} (page myOrders(live: true), newest first, for the rest: its totalCount says how many are live), then each order again every time it changes (accepted, filled, cancelled). No change falls between the first messages and the next, and each message of an order has a higher version than the one before it (never an older state after a newer one, nor the same twice): keep each order by id, and drop a state whose version is not above the one you hold (one read by a query, say). An order that stops being live before the subscription is live is not sent: what the first messages hold is every order of yours that may still change (up to ${FIRST_VIEW_MAX}).`,
    resolve: (order: Order) => order,
  })
  @Roles('buyer', 'provider')
  myOrderUpdated(@Caller() p: Principal) {
    // Each message an order's change of its own: a subscriber that misses one is told so.
    return this.pubsub.iterate(
      rm.accountOrdersChannel(p.accountId),
      async (message) => {
        const { orderId } = JSON.parse(message) as { orderId: string };
        return this.readOrder(orderId);
      },
      {
        kind: 'events',
        // Never the same state of an order twice in a row (last-sent.ts): the channel has many orders.
        entity: (order) => order.id,
        // The live orders as they stand first, read once the channel is subscribed (pubsub.ts).
        first: async () => {
          // The newest FIRST_VIEW_MAX_ORDERS: an account's live orders have no cap of their own.
          const ids = await firstViewOrderIds(this.orders.accountLiveOrders(p.accountId));
          const orders = await Promise.all(ids.map((id) => this.readOrder(id)));
          // Read from a model that began refolding since the subscription was admitted (Redis
          // flushed), it could hold only some of them: refused as the subscription would be.
          if ((await this.watch.rebuilding([rm.name])).length > 0) throw unavailableError();
          return orders.filter((o): o is Order => o !== null);
        },
        // Each order only forward: a message read before the first view, or announcing a change
        // the first view holds, is not sent.
        version: (order) => [order.id, order.version],
      },
    );
  }
}
