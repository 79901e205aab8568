import {
  Args,
  Field,
  Float,
  ID,
  InputType,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import {
  MARKET_CLOSED_MESSAGE,
  modelNameRule,
  NUMBER_LIMITS,
  OrdersCommands,
  ordersReadModel as rm,
  pricingReadModel as pm,
  ID_LIMITS,
  TEXT_LIMITS,
  TradeRecord,
} from '@gpux/contracts';
import { RedisClient } from '@gpux/platform';
import { OrdersQueries, PricingQueries } from '@gpux/read-models';
import { Caller, Public, Roles } from '../api/access';
import type { Principal } from '../api/auth';
import { Commands } from '../api/commands';
import { PageArgs, readPage, readSetPage } from '../api/connections';
import { GraphQLDateTimeString, GraphQLUsd } from '../api/scalars';
import { MarketStatus } from '../api/enums';
import { apiError } from '../api/errors';
import { command, IDEMPOTENCY_KEY } from '../api/idempotency';
import { END_OF_STREAM, RedisPubSub } from '../api/pubsub';
import { ReadModelWatch, unavailableError } from '../api/rebuilding';
import { CANDLE_LIMIT, MAX_BOOK_DEPTH, MAX_PAGE, sizeOutOfRange, sizeRangeMessage } from '../api/size-ranges';
import { parseMoney } from '../domain/money';
import { isLastView, markedLast, marketAtRest } from './final-state';
import {
  Candle,
  Interval,
  MarketConnection,
  Market,
  OrderBook,
  Ticker,
  toBook,
  toCandle,
  toMarket,
  toTicker,
  toTrade,
  Trade,
  TradeConnection,
} from './markets.views';

@InputType({ description: 'A market to open: its id, the GPU class it trades, and its rules.' })
export class OpenMarketInput {
  @Field(() => ID, {
    description: `e.g. h100-80gb: 1 to ${ID_LIMITS.marketId} letters, digits and . _ : -, starting with a letter or digit (its trades are named after it).`,
  })
  marketId!: string;
  @Field({
    description: `The GPU class traded, e.g. H100-80GB: nodes of this model sell here. ${modelNameRule(TEXT_LIMITS.gpuClass)}`,
  })
  gpuClass!: string;
  @Field(() => Float, {
    description: `The least certified f32 TFLOP/s per GPU a node must have to sell here: 0 to ${NUMBER_LIMITS.tflops}.`,
  })
  minTflopsPerGpu!: number;
  @Field(() => GraphQLUsd, {
    description: 'Prices must be multiples of it: US dollars per GPU-hour, e.g. "0.01".',
  })
  tickSize!: string;
  @Field(() => Int, {
    description: `The platform fee in basis points of a trade's value (100 = 1 %), paid by the buyer, rounded up to a whole µ$ per GPU-hour (1 µ$ a GPU-hour at least, for any fee above 0): 0 to ${NUMBER_LIMITS.feeRateBps}.`,
  })
  feeRateBps!: number;
}

/** The market a subscription follows. */
const MARKET_TO_FOLLOW = {
  type: () => ID,
  description: 'The market to follow. One that does not exist is refused NOT_FOUND.',
};

@Resolver(() => Market)
export class MarketsResolver {
  private readonly pricing: PricingQueries;
  private readonly orders: OrdersQueries;

  constructor(
    private readonly commands: Commands,
    redis: RedisClient,
    private readonly pubsub: RedisPubSub,
    private readonly watch: ReadModelWatch,
  ) {
    this.pricing = new PricingQueries(redis.redis);
    this.orders = new OrdersQueries(redis.redis);
  }

  private async ticker(marketId: string): Promise<Ticker> {
    const [t, index] = await Promise.all([this.pricing.ticker(marketId), this.pricing.index(marketId)]);
    return toTicker(t, index);
  }

  private async book(marketId: string, depth: number): Promise<OrderBook> {
    return toBook(await this.pricing.depth(marketId, depth));
  }

  /**
   * What pricing's read model says of the market's status, read before the view a subscription
   * sends: a market closed then, whose view shows no level, is at rest (final-state.ts).
   */
  private async closed(marketId: string): Promise<'open' | 'closed' | undefined> {
    return (await this.pricing.market(marketId))?.status;
  }

  /** The book a subscription sends: its last when the market is at rest (final-state.ts). */
  private async bookMessage(marketId: string): Promise<OrderBook> {
    // Sent together, the status first on the one connection: read before the view, as it must be.
    const [status, book] = await Promise.all([this.closed(marketId), this.book(marketId, 10)]);
    return markedLast(book, marketAtRest(status, book.bids.length, book.asks.length));
  }

  /** The ticker a subscription sends: its last when the market is at rest (final-state.ts). */
  private async tickerMessage(marketId: string): Promise<Ticker> {
    const [status, ticker] = await Promise.all([this.closed(marketId), this.ticker(marketId)]);
    return markedLast(ticker, marketAtRest(status, ticker.bestBid ? 1 : 0, ticker.bestAsk ? 1 : 0));
  }

  private async read(id: string): Promise<Market | null> {
    const market = await this.orders.market(id);
    return market && toMarket(market);
  }

  private async mustRead(id: string, field = 'marketId'): Promise<Market> {
    const market = await this.read(id);
    if (!market) throw apiError('NOT_FOUND', `market ${id} does not exist`, field);
    return market;
  }

  @Mutation(() => Market, {
    nullable: true,
    description: 'Opens a market (admin).',
  })
  @Roles('admin')
  async openMarket(
    @Args('input', { description: 'The market to open. An id opened already is refused ALREADY_EXISTS.' })
    input: OpenMarketInput,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<Market> {
    const tick = parseMoney(input.tickSize);
    if (!tick.ok) throw apiError('BAD_USER_INPUT', `tickSize ${tick.reason}`, 'tickSize');
    if (tick.micros <= 0) throw apiError('BAD_USER_INPUT', 'tickSize must be greater than zero', 'tickSize');
    const data = {
      marketId: input.marketId,
      gpuClass: input.gpuClass,
      minTflopsPerGpu: input.minTflopsPerGpu,
      tickSize: tick.micros,
      feeRateBps: input.feeRateBps,
    };
    await this.commands.execute(
      'orders',
      command(p, OrdersCommands.openMarket.type, input.marketId, data, idempotencyKey),
      rm.name,
    );
    return this.mustRead(input.marketId);
  }

  @Mutation(() => Market, {
    nullable: true,
    description: "Closes a market (admin): every open order in it is cancelled and bids' holds released.",
  })
  @Roles('admin')
  async closeMarket(
    @Args('marketId', {
      type: () => ID,
      description: 'The market to close. One closed already is refused MARKET_CLOSED.',
    })
    marketId: string,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<Market> {
    await this.commands.execute(
      'orders',
      command(p, OrdersCommands.closeMarket.type, marketId, { marketId }, idempotencyKey),
      rm.name,
    );
    return this.mustRead(marketId);
  }

  @Query(() => MarketConnection, { description: 'The markets, in the order they opened.' })
  @Public()
  async markets(@Args() args: PageArgs) {
    return readSetPage(
      args,
      this.orders.markets(),
      (ids) => Promise.all(ids.map((id) => this.read(id))),
      'oldest first',
      { field: 'markets' },
    );
  }

  @Query(() => Market, {
    nullable: true,
    description: 'A market by id; null when there is none. Needs no key.',
  })
  @Public()
  market(
    @Args('id', { type: () => ID, description: "The market's id." }) id: string,
  ): Promise<Market | null> {
    return this.read(id);
  }

  @ResolveField(() => OrderBook, {
    name: 'book',
    description:
      'The best levels of each side, by price: a bid trades only with asks offering at least its hours, so the best bid may be at or above the best ask without a trade (OrderBook says why).',
  })
  bookField(
    @Parent() market: Market,
    @Args('depth', { type: () => Int, defaultValue: 10, description: `1 to ${MAX_BOOK_DEPTH}` })
    depth: number,
  ): Promise<OrderBook> {
    if (sizeOutOfRange('Market.book', 'depth', depth))
      throw apiError('BAD_USER_INPUT', sizeRangeMessage('depth', MAX_BOOK_DEPTH), 'depth');
    return this.book(market.id, depth);
  }

  @ResolveField(() => Ticker, {
    name: 'ticker',
    description: "Its prices now: best bid and ask, last trade, the last 24 hours' figures and the index.",
  })
  tickerField(@Parent() market: Market): Promise<Ticker> {
    return this.ticker(market.id);
  }

  @ResolveField(() => [Candle], {
    description:
      'The latest candles of an interval (of those that start before `before`, if given), oldest first. Only intervals with a trade have a candle: one without is left out, not filled in. For older history, ask again with before: the start of the oldest candle you hold.',
  })
  async candles(
    @Parent() market: Market,
    @Args('interval', {
      type: () => Interval,
      defaultValue: Interval.ONE_HOUR,
      description: 'How long each candle is.',
    })
    interval: Interval,
    @Args('limit', { type: () => Int, defaultValue: 60, description: `1 to ${CANDLE_LIMIT}` }) limit: number,
    @Args('before', {
      type: () => GraphQLDateTimeString,
      nullable: true,
      description: 'Only candles that start before it; left out, the latest.',
    })
    before: string | undefined,
  ): Promise<Candle[]> {
    if (sizeOutOfRange('Market.candles', 'limit', limit))
      throw apiError('BAD_USER_INPUT', sizeRangeMessage('limit', CANDLE_LIMIT), 'limit');
    // Starts are whole milliseconds: the last one before `before` is at most a millisecond before it.
    const to = typeof before === 'string' ? Date.parse(before) - 1 : undefined;
    return (await this.pricing.candles(market.id, interval, { limit, ...(to !== undefined && { to }) })).map(
      toCandle,
    );
  }

  @ResolveField(() => TradeConnection, { description: 'Recent trades, newest first.' })
  async trades(@Parent() market: Market, @Args() args: PageArgs) {
    const trades = this.pricing.tradeLog(market.id);
    return readPage(
      args,
      () => trades.count(),
      async (from, to) => (await trades.slice(from, to)).map(toTrade),
      { field: 'Market.trades', of: market.id },
    );
  }

  @Subscription(() => OrderBook, {
    description:
      "The market's book (best 10 levels): first as it stands once the subscription is live, then each time it changes. The first message is the current state: no query to read it, nor a merge; no change falls between it and the next message, and each message is read after the one before it, never an older book after a newer one. When the market closes, the last message is its book once the close has cancelled every resting order (both sides empty), then the operation completes (graphql-ws `complete`), freeing its slot on the socket: a closed market never changes again. Subscribing to a closed market sends that book and completes at once.",
    resolve: (b: OrderBook) => b,
  })
  @Public()
  async bookUpdated(@Args('marketId', MARKET_TO_FOLLOW) marketId: string) {
    await this.mustRead(marketId);
    // The book as it stands first, read once the channel is subscribed (pubsub.ts).
    return this.pubsub.iterate(pm.channels.book(marketId), () => this.bookMessage(marketId), {
      snapshot: true,
      // A closed market's empty book is the last: the operation completes (final-state.ts).
      last: isLastView,
    });
  }

  @Subscription(() => Trade, {
    description: `Each trade in the market, in the order they happened (sequence one above the one before). With after, first every trade whose sequence is above it, oldest first, as the market has them once the subscription is live, then each new one: give the highest sequence of the page of Market.trades you read (0 for every trade since the market opened), and no trade falls between the page and the subscription, nor comes twice. At most ${MAX_PAGE} trades may come after it: with more, the subscription ends BAD_USER_INPUT on after (read them with Market.trades first), as it does for an after above the market's last trade. Without after, the trades from when it is live, never one before. When the market closes, the operation completes after its last trade (graphql-ws \`complete\`), freeing its slot on the socket: a closed market never trades again. Subscribing to a closed market sends the trades after after, if given, and completes.`,
    resolve: (t: Trade) => t,
  })
  @Public()
  async tradeExecuted(
    @Args('marketId', MARKET_TO_FOLLOW) marketId: string,
    @Args('after', {
      type: () => Int,
      nullable: true,
      description: 'The sequence of the last trade you hold: the trades after it come first.',
    })
    after: number | undefined,
  ) {
    if (after !== undefined && after !== null && after < 0)
      throw apiError('BAD_USER_INPUT', 'after must be 0 or more', 'after');
    const market = await this.mustRead(marketId);
    // Each message a trade of its own: a subscriber that misses one is told so (channel-kinds.ts).
    return this.pubsub.iterate<Trade>(
      pm.channels.trades(marketId),
      async (message) =>
        // The market closed after its last trade: the operation completes (graphql-ws `complete`).
        message === MARKET_CLOSED_MESSAGE ? END_OF_STREAM : toTrade(JSON.parse(message) as TradeRecord),
      {
        kind: 'events',
        // The same trade is never sent twice in a row (last-sent.ts).
        entity: (trade) => trade.id,
        // The market's trades only forward: one the first view sent, announced too, is not sent
        // again. (A trade without a sequence, none the exchange records, is its own stream.)
        version: (trade) => (trade.sequence > 0 ? ['', trade.sequence] : [trade.id, 0]),
        // Read once the channel is live, so a close announced before it is not missed.
        first: () =>
          typeof after === 'number'
            ? this.tradesAfter(marketId, after)
            : this.closedSince(marketId, market.status === MarketStatus.CLOSED),
      },
    );
  }

  /**
   * What tradeExecuted without after sends first, read once its channel is live: nothing, then
   * END_OF_STREAM if the market is closed, by orders' model as the subscription found the market
   * (`closed`), or by pricing's now (it folds the close, and announces it on the channel, after the
   * market's last trade: one closed before the channel was live announced it unheard). Pricing's
   * model being rebuilt is no refusal here (rebuilding.ts' MODELS_OF_FIRST_VIEW): a status found
   * closed is final, and orders' says what one not refolded yet would. A read that fails is taken as
   * open, as before the status was read: the trades from now on are what this stream promises.
   */
  private async closedSince(marketId: string, closed: boolean): Promise<(typeof END_OF_STREAM)[]> {
    const status = closed ? 'closed' : await this.closed(marketId).catch(() => undefined);
    return status === 'closed' ? [END_OF_STREAM] : [];
  }

  /**
   * What tradeExecuted with after sends first, read once its channel is live: the market's trades
   * after the `after`th, oldest first (trade n is at index n - 1 of the market's list), and
   * END_OF_STREAM last if the market is closed (pricing folds the close after its last trade, so
   * every trade is in the list by then, and no message announces the close again). Read with the
   * check that pricing's model is whole (one MULTI): a model being rebuilt holds only part of the
   * trades.
   */
  private async tradesAfter(marketId: string, after: number): Promise<(Trade | typeof END_OF_STREAM)[]> {
    const {
      rebuilding,
      results: [status, raw, count],
    } = await this.watch.readWhole([pm.name], (tx) =>
      tx
        .hget(pm.market(marketId), 'status')
        .lrange(pm.trades(marketId), after, after + MAX_PAGE)
        .llen(pm.trades(marketId)),
    );
    if (rebuilding.length > 0) throw unavailableError();
    const closed: (typeof END_OF_STREAM)[] = status === 'closed' ? [END_OF_STREAM] : [];
    // A sequence the market has not reached is no trade the client read (another market's, or a
    // typo): served, it would take later trades for ones it holds. Say so instead.
    if (after > (count as number))
      throw apiError(
        'BAD_USER_INPUT',
        `after ${after} is above market ${marketId}'s last trade, ${count as number}: give the highest sequence of a page of its Market.trades (0 for every trade)`,
        'after',
      );
    const trades = (raw as string[]).map((s) => toTrade(JSON.parse(s) as TradeRecord));
    if (trades.length > MAX_PAGE)
      throw apiError(
        'BAD_USER_INPUT',
        `more than ${MAX_PAGE} trades came after ${after}: read them with Market.trades, then subscribe after the last`,
        'after',
      );
    return [...trades.filter((t) => t.sequence > after), ...closed];
  }

  @Subscription(() => Ticker, {
    description:
      "The market's ticker: first as it stands once the subscription is live, then each time it changes. The first message is the current state: no query to read it, nor a merge; no change falls between it and the next message, and each message is read after the one before it, never an older ticker after a newer one. A message comes when a trade, the book or the market's status changes, never as the 24-hour figures and the index roll with time (read Market.ticker for those as they stand). When the market closes, the last message is its ticker once the close has emptied the book (no bestBid nor bestAsk), then the operation completes (graphql-ws `complete`), freeing its slot on the socket; its rolling figures keep falling to none, which no message would have announced. Subscribing to a closed market sends that ticker and completes at once.",
    resolve: (t: Ticker) => t,
  })
  @Public()
  async tickerUpdated(@Args('marketId', MARKET_TO_FOLLOW) marketId: string) {
    await this.mustRead(marketId);
    // The ticker as it stands first, read once the channel is subscribed (pubsub.ts).
    return this.pubsub.iterate(pm.channels.ticker(marketId), () => this.tickerMessage(marketId), {
      snapshot: true,
      // A closed market's ticker without a best bid or ask is the last (final-state.ts).
      last: isLastView,
    });
  }
}
