/**
 * `npm run bench:matching`: the orders service's matching engine alone, in process, on one core:
 * a deep book, then a realistic stream (limit orders around a drifting mid price, partial fills,
 * cancels). In the same run the same stream of plain limit orders and cancels goes through the
 * npm package `nodejs-order-book` as the peer.
 */
import { OrderBook as PeerBook, Side as PeerSide } from 'nodejs-order-book';
import { OrderBook, OrderInput } from '../services/orders/src/domain/matching/order-book';

const OPS = Number(process.env['BENCH_MATCHING_OPS'] ?? 1_000_000);
const DEPTH = 20_000;
const log = (msg: string) => process.stderr.write(`[bench:matching] ${msg}\n`);

type Op =
  | { kind: 'limit'; id: string; side: 'bid' | 'ask'; price: number; size: number; owner: string }
  | { kind: 'cancel'; id: string };

/** A deterministic stream: mulberry32 for repeatability. */
function stream(count: number, seed: number): Op[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
      operations: ops.length,
      fills: ours.fills,
      bookDepth: DEPTH,
    }) + '\n',
  );
}

main();
