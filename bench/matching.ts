/**
 * `npm run bench:matching`: the orders service's matching engine alone, in process, on one core:
 * a deep book, then a realistic stream (limit orders around a drifting mid price, partial fills,
 * cancels). In the same run the same stream of plain limit orders and cancels goes through the
 * npm package `nodejs-order-book` as the peer.
 */
import { OrderBook as PeerBook, Side as PeerSide } from 'nodejs-order-book';
import { OrderBook, OrderInput } from '../services/orders/src/domain/matching/order-book';
import { holdFor, type Order } from '@gpux/contracts';
import { seededRandom } from '@gpux/testing';
import {
  createMarketDecider,
  MarketCommand,
  MarketEvent,
  MarketState,
} from '../services/orders/src/domain/markets/market.decider';

const OPS = Number(process.env['BENCH_MATCHING_OPS'] ?? 1_000_000);
/** The market's stream (every rule of the decider, not the engine alone): shorter, it does more per order. */
const MARKET_OPS = Number(process.env['BENCH_MATCHING_MARKET_OPS'] ?? 200_000);
const DEPTH = 20_000;
const log = (msg: string) => process.stderr.write(`[bench:matching] ${msg}\n`);

type Op =
  | { kind: 'limit'; id: string; side: 'bid' | 'ask'; price: number; size: number; owner: string }
  | { kind: 'cancel'; id: string };

/** A deterministic stream: the same for a seed on every run. */
function stream(count: number, seed: number): Op[] {
  const random = seededRandom(seed);
  const ops: Op[] = [];
  const ids: string[] = [];
  let mid = 2_000_000; // 2 USD per GPU-hour in micro-USD, tick 1,000
  for (let i = 0; i < count; i++) {
    if (i >= DEPTH && random() < 0.3 && ids.length > 0) {
      ops.push({ kind: 'cancel', id: ids[Math.floor(random() * ids.length)]! });
      continue;
    }
    mid += Math.round((random() - 0.5) * 4) * 1_000;
    const side = random() < 0.5 ? 'bid' : 'ask';
    // During the build-up orders rest on their own side of the mid; afterwards some cross it.
    const offset = Math.floor(random() * 250) * 1_000 - (i >= DEPTH ? 30_000 : 0);
    const price = side === 'bid' ? mid - offset : mid + offset;
    const id = `o${i}`;
    ids.push(id);
    ops.push({
      kind: 'limit',
      id,
      side,
      price,
      size: 1 + Math.floor(random() * 16),
      owner: `acct-${Math.floor(random() * 5_000)}`,
    });
  }
  return ops;
}

function runOurs(ops: Op[]): { ms: number; fills: number } {
  const book = new OrderBook();
  let fills = 0;
  const order: OrderInput = {
    id: '',
    side: 'bid',
    owner: '',
    price: 0,
    quantity: 0,
    hours: 1,
    nodeId: 'n',
    tif: 'GTC',
  };
  const start = performance.now();
  for (const op of ops) {
    if (op.kind === 'cancel') book.cancel(op.id);
    else
      fills += book.place({
        ...order,
        id: op.id,
        side: op.side,
        owner: op.owner,
        price: op.price,
        quantity: op.size,
        nodeId: op.owner,
      }).fills.length;
  }
  return { ms: performance.now() - start, fills };
}

/**
 * What the orders service does per order: `decide` previews the match, then `evolve` applies the
 * decision. `facts`: as evolve does, from the recorded facts (the order enters whole, its trades
 * fill it and its makers, the remainder is cancelled); `engine`: re-running the match (`place`),
 * as evolve did before.
 */
function runService(ops: Op[], apply: 'facts' | 'engine'): { ms: number; fills: number } {
  const book = new OrderBook();
  let fills = 0;
  const order: OrderInput = {
    id: '',
    side: 'bid',
    owner: '',
    price: 0,
    quantity: 0,
    hours: 1,
    nodeId: 'n',
    tif: 'GTC',
  };
  const start = performance.now();
  for (const op of ops) {
    if (op.kind === 'cancel') {
      book.cancel(op.id);
      continue;
    }
    const input = {
      ...order,
      id: op.id,
      side: op.side,
      owner: op.owner,
      price: op.price,
      quantity: op.size,
      nodeId: op.owner,
    };
    const decided = book.preview(input);
    fills += decided.fills.length;
    if (apply === 'engine') {
      book.place(input);
      continue;
    }
    book.rest(input);
    for (const f of decided.fills) {
      book.fill(f.bidId, f.quantity);
      book.fill(f.askId, f.quantity);
    }
    if (decided.cancelled > 0) book.cancel(op.id);
  }
  return { ms: performance.now() - start, fills };
}

/**
 * The orders service's whole decision, in process: the stream as commands to the market's decider
 * (`decide`, then `evolve` of what it decided), as a partition worker runs it. Every account
 * sells on a certified node of its own (asks go through the free-GPUs rule) and bids funded
 * (settlement's hold first); cancels are its owners'. Every rule of the market applies, so a rule
 * that reads the whole book or every node per order shows here and not in the engine's figure.
 */
function runMarket(ops: Op[]): { ms: number; fills: number } {
  const decider = createMarketDecider();
  const spec = {
    marketId: 'm',
    gpuClass: 'H100-80GB',
    minTflopsPerGpu: 300,
    tickSize: 1_000,
    feeRateBps: 250,
  };
  let state: MarketState = decider.initialState();
  const apply = (events: MarketEvent[]) => {
    for (const event of events) state = decider.evolve(state, event);
  };
  apply([{ type: 'orders.MarketOpened', data: spec }]);
  const owners = new Map<string, string>();
  for (const op of ops) if (op.kind === 'limit') owners.set(op.id, op.owner);
  for (const owner of new Set(owners.values()))
    apply([
      {
        type: 'orders.NodeRecorded',
        data: {
          marketId: 'm',
          nodeId: owner,
          providerId: owner,
          gpus: 1_000_000,
          certifiedTflopsPerGpu: 350,
        },
      },
    ]);
  const now = new Date();
  let fills = 0;
  const start = performance.now();
  for (const op of ops) {
    let command: MarketCommand;
    if (op.kind === 'cancel') {
      command = {
        type: 'orders.CancelOrder',
        data: { marketId: 'm', orderId: op.id, accountId: owners.get(op.id)! },
      };
    } else {
      const order: Order = {
        marketId: 'm',
        orderId: op.id,
        side: op.side,
        accountId: op.owner,
        price: op.price,
        gpus: op.size,
        hours: 1,
        timeInForce: 'GTC',
        ...(op.side === 'ask' ? { nodeId: op.owner } : {}),
      };
      command = {
        type: 'orders.PlaceOrder',
        data: op.side === 'bid' ? { ...order, heldAmount: holdFor(order, spec.feeRateBps) } : order,
      };
    }
    const decision = decider.decide(command, state, { now });
    if (decision.kind === 'rejected') {
      // A cancel of an order already done is refused, as the service refuses it; nothing else is.
      if (op.kind === 'cancel' && decision.code === 'NOT_FOUND') continue;
      throw new Error(`the market refused ${op.kind} ${op.id}: ${decision.message}`);
    }
    for (const event of decision.events) if (event.type === 'orders.TradeExecuted') fills++;
    apply(decision.events);
  }
  return { ms: performance.now() - start, fills };
}

/**
 * A level hollowed by cancels: a bid that never trades (it wants more hours than any ask offers)
 * heads it, `cancelled` bids placed behind it are cancelled, one big bid ends it; then asks at that
 * price, each previewed and applied from its facts as the service does. µs per ask: it should not
 * depend on how many were cancelled.
 */
function hollowLevel(cancelled: number, asks = 10_000): number {
  const book = new OrderBook();
  const bid = (id: string, hours: number, quantity: number): OrderInput => ({
    id,
    side: 'bid',
    owner: 'maker',
    price: 2_000_000,
    quantity,
    hours,
    tif: 'GTC',
  });
  book.rest(bid('never', 1_000, 1));
  for (let i = 0; i < cancelled; i++) book.rest(bid(`gone-${i}`, 1, 1));
  book.rest(bid('big', 1, 1_000_000));
  for (let i = 0; i < cancelled; i++) book.cancel(`gone-${i}`);
  const start = performance.now();
  for (let i = 0; i < asks; i++) {
    const ask: OrderInput = {
      id: `ask-${i}`,
      side: 'ask',
      owner: 'seller',
      price: 2_000_000,
      quantity: 1,
      hours: 1,
      nodeId: 'n',
      tif: 'GTC',
    };
    const decided = book.preview(ask);
    book.rest(ask);
    for (const f of decided.fills) {
      book.fill(f.bidId, f.quantity);
      book.fill(f.askId, f.quantity);
    }
  }
  return Number((((performance.now() - start) * 1_000) / asks).toFixed(2));
}

function runPeer(ops: Op[]): { ms: number } {
  const book = new PeerBook();
  const start = performance.now();
  for (const op of ops) {
    if (op.kind === 'cancel') book.cancel(op.id);
    else
      book.limit({
        side: op.side === 'bid' ? PeerSide.BUY : PeerSide.SELL,
        id: op.id,
        size: op.size,
        price: op.price,
      });
  }
  return { ms: performance.now() - start };
}

function main() {
  const ops = stream(OPS + DEPTH, 42);
  const limits = ops.filter((o) => o.kind === 'limit').length;
  log(
    `${ops.length} operations (${limits} limit orders, ${ops.length - limits} cancels), first ${DEPTH} build the book`,
  );
  // Warm both up (JIT) on a smaller stream, then measure the best of three runs each.
  runOurs(stream(200_000, 7));
  runPeer(stream(200_000, 7));
  const ours = [runOurs(ops), runOurs(ops), runOurs(ops)].sort((a, b) => a.ms - b.ms)[0]!;
  const peer = [runPeer(ops), runPeer(ops), runPeer(ops)].sort((a, b) => a.ms - b.ms)[0]!;
  runService(stream(200_000, 7), 'facts');
  runService(stream(200_000, 7), 'engine');
  const best = (apply: 'facts' | 'engine') =>
    [runService(ops, apply), runService(ops, apply), runService(ops, apply)].sort((a, b) => a.ms - b.ms)[0]!;
  const facts = best('facts');
  const engine = best('engine');
  if (facts.fills !== ours.fills || engine.fills !== ours.fills)
    throw new Error('the service paths traded differently from the engine');
  const perSec = (ms: number) => Math.round(ops.length / (ms / 1000));
  log(
    `service path (decide + evolve): from facts ${facts.ms.toFixed(0)} ms, re-matching ${engine.ms.toFixed(0)} ms`,
  );
  // The market's decider on a shorter stream of the same shape, checked against the engine's fills.
  const marketOps = stream(MARKET_OPS + DEPTH, 43);
  runMarket(stream(50_000, 8));
  const market = [runMarket(marketOps), runMarket(marketOps)].sort((a, b) => a.ms - b.ms)[0]!;
  if (market.fills !== runOurs(marketOps).fills)
    throw new Error("the market's decider traded differently from the engine");
  const marketOrdersPerSec = Math.round(marketOps.length / (market.ms / 1000));
  hollowLevel(1_000, 1_000);
  const hollowLevelUsPerAsk = { '0': hollowLevel(0), '100000': hollowLevel(100_000) };
  log(
    `a level hollowed by 100,000 cancels: ${hollowLevelUsPerAsk['100000']} µs an ask (${hollowLevelUsPerAsk['0']} with none)`,
  );
  log(
    `market's decider: ${marketOps.length} operations in ${market.ms.toFixed(0)} ms (${market.fills} fills)`,
  );
  const ordersPerSec = Math.round(ops.length / (ours.ms / 1000));
  const peerOrdersPerSec = Math.round(ops.length / (peer.ms / 1000));
  log(`ours ${ours.ms.toFixed(0)} ms (${ours.fills} fills), peer ${peer.ms.toFixed(0)} ms`);
  process.stdout.write(
    JSON.stringify({
      bench: 'matching',
      ordersPerSec,
      peerOrdersPerSec,
      ratio: Number((ordersPerSec / peerOrdersPerSec).toFixed(2)),
      serviceOrdersPerSec: perSec(facts.ms),
      serviceRematchOrdersPerSec: perSec(engine.ms),
      marketOrdersPerSec,
      marketOperations: marketOps.length,
      hollowLevelUsPerAsk,
      operations: ops.length,
      fills: ours.fills,
      bookDepth: DEPTH,
    }) + '\n',
  );
}

main();
