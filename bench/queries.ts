/**
 * `npm run bench:queries`: what `myOrders` costs with a long history. The five built services run
 * as processes (as bench:trading runs them, on the KAFKA_BROKERS of the environment, in a topic
 * namespace and a Redis of their own). One buyer places BENCH_QUERIES_ORDERS immediate-or-cancel
 * bids in market h100 that cross nothing (each is cancelled at once: history), a tenth as many in
 * market a100, and BENCH_QUERIES_LIVE bids that rest in h100 (live). Then each query below runs
 * BENCH_QUERIES_ROUNDS times, one after the other, for a page of 20: its time from request to
 * answer, p50 and max. A filter on a status reads that status' orders (the live ones for a status
 * with GPUs left) and checks each; one without a status reads a page of the index of exactly its
 * orders (a market's, a side's, a side's in a market). `status: CANCELLED` reads nearly all of
 * them (every order but the live ones), so it is the run's own measure of reading the whole
 * history. The last line is one JSON object.
 */
import { Marketplace } from '../e2e/src/support/marketplace';

const ORDERS = Number(process.env['BENCH_QUERIES_ORDERS'] ?? 2_000);
const LIVE = Number(process.env['BENCH_QUERIES_LIVE'] ?? 20);
const ROUNDS = Number(process.env['BENCH_QUERIES_ROUNDS'] ?? 20);
const CONNECTIONS = 20;
const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }';
const MY_ORDERS =
  'query($f: OrdersFilter) { myOrders(first: 20, filter: $f) { totalCount edges { node { id } } } }';
const QUERIES: Record<string, Record<string, string> | null> = {
  unfiltered: null,
  open: { status: 'OPEN' },
  openInH100: { status: 'OPEN', marketId: 'h100' },
  a100: { marketId: 'a100' },
  h100: { marketId: 'h100' },
  cancelled: { status: 'CANCELLED' },
  bids: { side: 'BID' },
  bidsInH100: { side: 'BID', marketId: 'h100' },
};
const log = (msg: string) => process.stderr.write(`[bench:queries] ${msg}\n`);

interface Timing {
  totalCount: number;
  p50Ms: number;
  maxMs: number;
}

async function main() {
  if (!process.env['KAFKA_BROKERS'] && !Marketplace.external)
    throw new Error(
      'KAFKA_BROKERS and REDIS_URL must name a running stack (npm run bench:queries brings one up)',
    );
  const m = await Marketplace.start({ LEASE_METER_INTERVAL_MS: '3600000' });
  const timings: Record<string, Timing> = {};
  try {
    for (const [marketId, gpuClass] of [
      ['h100', 'H100-80GB'],
      ['a100', 'A100-80GB'],
    ])
      await m.ok(`mutation($i: OpenMarketInput!) { openMarket(input: $i) { id } }`, {
        i: { marketId, gpuClass, minTflopsPerGpu: 40, tickSize: '0.01', feeRateBps: 250 },
      });
    const buyer = await m.account('b1', ['buyer'], '1000000.00');
    const bid = (marketId: string, timeInForce: string) =>
      m.ok(PLACE, { i: { marketId, side: 'BID', gpus: 1, hours: 1, price: '1.00', timeInForce } }, buyer);
    const started = performance.now();
    const history: [string, number][] = [
      ['h100', ORDERS],
      ['a100', Math.ceil(ORDERS / 10)],
    ];
    for (const [marketId, count] of history) {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (next < count) {
            next++;
            await bid(marketId, 'IOC');
          }
        }),
      );
    }
    for (let i = 0; i < LIVE; i++) await bid('h100', 'GTC');
    log(
      `placed ${ORDERS + Math.ceil(ORDERS / 10) + LIVE} orders in ${Math.round(performance.now() - started)} ms`,
    );

    for (const [name, filter] of Object.entries(QUERIES)) {
      const query = () => m.ok<{ myOrders: { totalCount: number } }>(MY_ORDERS, { f: filter }, buyer);
      await query(); // warm-up: not counted
      const ms: number[] = [];
      let totalCount = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const t = performance.now();
        totalCount = (await query()).myOrders.totalCount;
        ms.push(performance.now() - t);
      }
      ms.sort((a, b) => a - b);
      timings[name] = {
        totalCount,
        p50Ms: Math.round(ms[ms.length >> 1]! * 10) / 10,
        maxMs: Math.round(ms[ms.length - 1]! * 10) / 10,
      };
      log(`${name} ${JSON.stringify(filter)}: ${JSON.stringify(timings[name])}`);
    }
  } finally {
    await m.stop();
  }
  const open = timings['open'];
  const whole = timings['cancelled'];
  process.stdout.write(
    `${JSON.stringify({
      bench: 'queries',
      orders: ORDERS + Math.ceil(ORDERS / 10) + LIVE,
      liveOrders: LIVE,
      openP50Ms: open?.p50Ms ?? null,
      wholeHistoryP50Ms: whole?.p50Ms ?? null,
      timings,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
