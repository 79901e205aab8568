/**
 * `npm run bench:trading`: placeOrder mutations through the GraphQL gateway with the whole stack on
 * this machine — the five built services as processes (as the e2e harness runs them) on the
 * KAFKA_BROKERS of the environment, in a topic namespace and a Redis of their own. Many buyer
 * accounts with plenty of funds bid against a provider's big asks, so bids trade or rest; each
 * request is a distinct clientOrderId from one of the accounts (its own API key), and the mutation
 * answers with the order's outcome, so autocannon's latency is request to outcome. At several
 * concurrencies: sustained orders/s and p50/p99; and, at each, the ceiling of the same gateway,
 * client and concurrency: the query `{ __typename }`. The last line is one JSON object.
 *
 * `BENCH_TRADING_SIDE=ask` measures the other side of the same market: the buyers' big bids rest
 * first and a provider's asks trade into them (two in three) or rest above. An ask is
 * decided by orders alone (no escrow hold: one Kafka transaction, not two), so the two figures
 * side by side say what the order path's settlement leg costs.
 *
 * Bids are placed on buying power (`funding: BUYING_POWER`, docs/event-flows.md "Buying power"):
 * each buyer allots most of its deposit to the market in the set-up, and the market decides its
 * bids alone, as it decides asks. `BENCH_TRADING_FUNDING=balance` places them on the buyers'
 * balances instead (settlement holds each bid's worst case first: two transactions, not one).
 */
import { Marketplace, SERVICES, ServiceName } from '../e2e/src/support/marketplace';
import { autocannon, AutocannonRequest, AutocannonResult } from './trading/autocannon';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../e2e/src/support/marketplace';
import { tradingChart } from './trading/chart';
import { cpuMeter, watchedProcesses } from './trading/cpu';
import { HopSummary, singleOrderHops } from './trading/hops';
import { transactionMeter } from './trading/transactions';

const CONNECTIONS = (process.env['BENCH_TRADING_CONNECTIONS'] ?? '10,25,50,100,150,200,400')
  .split(',')
  .map(Number);
const SECONDS = Number(process.env['BENCH_TRADING_SECONDS'] ?? 10);
const BUYERS = Number(process.env['BENCH_TRADING_BUYERS'] ?? 100);
const P99_TARGET_MS = 250;
const SINGLE_ORDERS = Number(process.env['BENCH_TRADING_SINGLE_ORDERS'] ?? 30);
/** The side the load places: `bid` (the buyers', funded by an escrow hold first) or `ask` (a provider's). */
const SIDE = (process.env['BENCH_TRADING_SIDE'] ?? 'bid').toLowerCase();
if (SIDE !== 'bid' && SIDE !== 'ask') throw new Error(`BENCH_TRADING_SIDE must be bid or ask, not ${SIDE}`);
/** What pays for the bids: `power` (each buyer's buying power in the market) or `balance` (a hold first). */
const FUNDING = (process.env['BENCH_TRADING_FUNDING'] ?? 'power').toLowerCase();
if (FUNDING !== 'power' && FUNDING !== 'balance')
  throw new Error(`BENCH_TRADING_FUNDING must be power or balance, not ${FUNDING}`);
/** The placeOrder input's funding of a bid the load places. */
const BID_FUNDING = FUNDING === 'power' ? { funding: 'BUYING_POWER' } : {};
/**
 * Nodes of 1,024 GPUs: room for every GPU the run sells (a lease holds them an hour), on either
 * side. Bids on buying power placed some 54,000 orders in one run on a fast stretch of the
 * development VM, about 54,000 GPUs bought: twenty nodes' 20,480 were sold out by the fourth
 * concurrency, and every bid after that rested, trading nothing (forty-seventh session).
 */
const NODES = SIDE === 'ask' ? 200 : 100;
/**
 * Where the picture of the run goes (bench/README.md shows bench/trading.svg); `none` (or empty)
 * draws none, for runs that are not meant to replace it.
 */
const CHART_SETTING = process.env['BENCH_TRADING_CHART'] ?? join(REPO_ROOT, 'bench/trading.svg');
const CHART = CHART_SETTING === '' || CHART_SETTING === 'none' ? undefined : CHART_SETTING;
const log = (msg: string) => process.stderr.write(`[bench:trading] ${msg}\n`);

interface Run {
  connections: number;
  ordersPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ceilingPerSec: number;
  ceilingP50Ms: number;
  ceilingP99Ms: number;
  orders: number;
  /** Outcomes of the accepted orders: FILLED, OPEN, PARTIALLY_FILLED. */
  outcomes: Record<string, number>;
  /** GraphQL errors by code (a 200 answer without an order). */
  graphqlErrors: Record<string, number>;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Cores each process used during the orders run (1 = one core busy all the time). */
  cpu: Record<string, number>;
  /** Orders of the side placed (bids, or asks) resting in the book after the run. */
  resting: number;
  /** Per event-sourced service: commands decided, Kafka transactions, commands per transaction. */
  transactions: Record<string, { commands: number; transactions: number; perTransaction: number }>;
}

/** The buyers' API keys, and the provider's. */
async function setUp(m: Marketplace): Promise<{ buyers: string[]; provider: string }> {
  await m.ok(
    `mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
  );
  const provider = await m.account('p1', ['provider']);
  // A hundred nodes of 1,024 GPUs, each offered whole for up to 8 hours at 2.00: bids at 2.02 and
  // 2.09 trade against them, bids at 1.95 rest below (one in three). Selling asks
  // instead, 200 nodes offer nothing yet.
  const register = async (nodeId: string) => {
    await m.ok(
      `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { node { id } } }`,
      { i: { marketId: 'h100', gpuModel: 'H100-80GB', gpus: 1024, region: 'eu', nodeId } },
      provider,
    );
    await m.ok(`mutation($n: ID!) { markNodeCertified(nodeId: $n, tflopsPerGpu: 50) { status } }`, {
      n: nodeId,
    });
    if (SIDE === 'bid')
      await m.ok(
        `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`,
        { i: { marketId: 'h100', side: 'ASK', gpus: 1024, hours: 8, price: '2.00', nodeId } },
        provider,
      );
  };
  for (let n = 0; n < NODES; n += 10)
    await Promise.all(Array.from({ length: Math.min(10, NODES - n) }, (_, j) => register(`n${n + j}`)));
  const keys: string[] = [];
  for (let i = 0; i < BUYERS; i += 10) {
    keys.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(10, BUYERS - i) }, (_, j) =>
          m.account(`b${i + j}`, ['buyer'], '1000000.00'),
        ),
      )),
    );
  }
  // Bidding on buying power: each buyer sets 900,000.00 of its 1,000,000.00 aside for the market
  // (a bid's worst case is at most 4.29: far more than any run places).
  if (SIDE === 'bid' && FUNDING === 'power')
    for (let i = 0; i < keys.length; i += 10)
      await Promise.all(
        keys
          .slice(i, i + 10)
          .map((key) =>
            m.ok(
              `mutation { allotBuyingPower(marketId: "h100", amount: "900000.00") { available } }`,
              {},
              key,
            ),
          ),
      );
  // Selling asks: each buyer bids for 1,024 GPUs for an hour at 2.05 first; asks at 1.95 and 2.02
  // trade into these bids, asks at 2.09 rest above (one in three): the bids' run mirrored.
  if (SIDE === 'ask')
    for (const [b, key] of keys.entries())
      await m.ok(
        `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`,
        {
          i: {
            marketId: 'h100',
            side: 'BID',
            gpus: 1024,
            hours: 1,
            price: '2.05',
            clientOrderId: `big-${b}`,
          },
        },
        key,
      );
  return { buyers: keys, provider };
}

let sequence = 0;
/** Orders of the side placed left resting in the book so far (their state is in the orders service's memory). */
let resting = 0;
const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status filledGpus } }';

/**
 * A placeOrder request whose body and key change on every send: a fresh clientOrderId, and a bid
 * of the next buyer, or an ask on the provider's next node.
 */
function orderRequest(
  keys: { buyers: string[]; provider: string },
  tag: string,
  tally: { orders: number; outcomes: Record<string, number>; errors: Record<string, number> },
): AutocannonRequest {
  return {
    method: 'POST',
    path: '/graphql',
    setupRequest: (request) => {
      const i = sequence++;
      // 1.95, 2.02 or 2.09 in turn.
      const price = (1.95 + ((i * 7) % 21) / 100).toFixed(2);
      const input = {
        marketId: 'h100',
        side: SIDE === 'ask' ? 'ASK' : 'BID',
        gpus: 1 + (i % 2),
        hours: 1,
        price,
        clientOrderId: `${tag}-${i}`,
        ...(SIDE === 'ask' ? { nodeId: `n${i % NODES}` } : BID_FUNDING),
      };
      const key = SIDE === 'ask' ? keys.provider : keys.buyers[i % keys.buyers.length];
      return {
        ...request,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: PLACE, variables: { i: input } }),
      };
    },
    onResponse: (status, body) => {
      if (status !== 200) return;
      const code = /"code":"(\w+)"/.exec(body)?.[1];
      if (code) {
        tally.errors[code] = (tally.errors[code] ?? 0) + 1;
        return;
      }
      const outcome = /"status":"(\w+)"/.exec(body)?.[1] ?? 'unknown';
      tally.outcomes[outcome] = (tally.outcomes[outcome] ?? 0) + 1;
      if (outcome === 'OPEN' || outcome === 'PARTIALLY_FILLED') resting++;
      tally.orders++;
    },
  };
}

async function fire(
  url: string,
  connections: number,
  request: AutocannonRequest,
  seconds = SECONDS,
): Promise<AutocannonResult> {
  return autocannon({ url, connections, duration: seconds, timeout: 20, requests: [request] });
}

async function measure(
  m: Marketplace,
  keys: { buyers: string[]; provider: string },
  connections: number,
  processes: Map<string, number>,
  metricsPorts: Map<string, number>,
): Promise<Run> {
  const tally = { orders: 0, outcomes: {} as Record<string, number>, errors: {} as Record<string, number> };
  const transactions = await transactionMeter(metricsPorts);
  const cpu = cpuMeter(processes);
  const orders = await fire(m.url, connections, orderRequest(keys, `c${connections}`, tally));
  const cores = cpu();
  const perService = await transactions();
  let ceilingErrors = 0;
  const ceiling = await fire(m.url, connections, {
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.buyers[0]}` },
    body: JSON.stringify({ query: '{ __typename }' }),
    onResponse: (status, body) => {
      if (status !== 200 || !body.includes('"__typename":"Query"')) ceilingErrors++;
    },
  });
  return {
    connections,
    ordersPerSec: Math.round(tally.orders / orders.duration),
    p50Ms: orders.latency.p50,
    p99Ms: orders.latency.p99,
    ceilingPerSec: Math.round((ceiling['2xx'] - ceilingErrors) / ceiling.duration),
    ceilingP50Ms: ceiling.latency.p50,
    ceilingP99Ms: ceiling.latency.p99,
    orders: tally.orders,
    outcomes: tally.outcomes,
    graphqlErrors: tally.errors,
    errors: orders.errors + ceiling.errors + ceilingErrors,
    timeouts: orders.timeouts + ceiling.timeouts,
    non2xx: orders.non2xx + ceiling.non2xx,
    cpu: cores,
    resting,
    transactions: perService,
  };
}

/**
 * `BENCH_TRADING_SERVICE_ENV`'s settings as environments: `NAME=value` for every service,
 * `service:NAME=value` for that one alone (over the others), comma-separated.
 */
function serviceEnv(list: string): {
  all: Record<string, string>;
  only: Partial<Record<ServiceName, Record<string, string>>>;
} {
  const all: Record<string, string> = {};
  const only: Partial<Record<ServiceName, Record<string, string>>> = {};
  for (const entry of list.split(',').filter((p) => p.trim() !== '')) {
    const at = entry.indexOf('=');
    const colon = entry.indexOf(':');
    const service = colon > 0 && colon < at ? entry.slice(0, colon).trim() : undefined;
    const name = entry.slice(service === undefined ? 0 : colon + 1, at).trim();
    if (at <= 0 || name === '')
      throw new Error(`BENCH_TRADING_SERVICE_ENV: "${entry}" is not NAME=value or service:NAME=value`);
    const value = entry.slice(at + 1).trim();
    if (service === undefined) {
      all[name] = value;
      continue;
    }
    if (!(SERVICES as readonly string[]).includes(service))
      throw new Error(`BENCH_TRADING_SERVICE_ENV: "${service}" is not a service (${SERVICES.join(', ')})`);
    (only[service as ServiceName] ??= {})[name] = value;
  }
  return { all, only };
}

async function main() {
  if (!process.env['KAFKA_BROKERS'] && !Marketplace.external)
    throw new Error(
      'KAFKA_BROKERS and REDIS_URL must name a running stack (npm run bench:trading brings one up)',
    );
  // A real GPU-hour, and leases metered hourly: the benchmark measures the order path, and the
  // thousands of leases it creates would otherwise each be charged every 10 s while it runs.
  const settings = serviceEnv(process.env['BENCH_TRADING_SERVICE_ENV'] ?? '');
  const m = await Marketplace.start(
    {
      LEASE_METER_INTERVAL_MS: '3600000',
      // Group commit's linger of every service's partition workers (COMMAND_LINGER_MS, orders'
      // too, whose own is 0), to compare.
      ...(process.env['BENCH_TRADING_COMMAND_LINGER_MS']
        ? { COMMAND_LINGER_MS: process.env['BENCH_TRADING_COMMAND_LINGER_MS'] }
        : {}),
      ...(process.env['BENCH_TRADING_SERVICE_NODE_OPTIONS']
        ? { NODE_OPTIONS: process.env['BENCH_TRADING_SERVICE_NODE_OPTIONS'] }
        : {}),
      // Any other setting, to compare: `NAME=value` for every service, `service:NAME=value` for one.
      ...settings.all,
    },
    settings.only,
  );
  const runs: Run[] = [];
  let single: HopSummary | undefined;
  try {
    const t = Date.now();
    const keys = await setUp(m);
    log(
      SIDE === 'ask'
        ? `${BUYERS} buyers bidding for 1,024 GPUs at 2.05, ${NODES} nodes of 1,024 GPUs selling, set up in ${Date.now() - t} ms`
        : `${BUYERS} buyers bidding on their ${FUNDING === 'power' ? 'buying power' : 'balances'}, ${NODES} nodes of 1,024 GPUs offered at 2.00, set up in ${Date.now() - t} ms`,
    );
    // One bid at a time first, on a quiet system: its latency, and the time in each hop.
    if (m.namespace) {
      single = await singleOrderHops(
        m.url,
        keys.buyers[0]!,
        process.env['KAFKA_BROKERS']!.split(','),
        m.namespace,
        SINGLE_ORDERS,
        BID_FUNDING,
      );
      log(
        `single orders: p50 ${single.singleOrderP50Ms} ms, p99 ${single.singleOrderP99Ms} ms; hops (p50): ${single.hops.map((h) => `${h.hop} ${h.p50Ms} ms`).join(', ')}`,
      );
    }
    // Warm-up (JIT, connection pools, consumer fetch sizes): not counted.
    await fire(m.url, 10, orderRequest(keys, 'warm', { orders: 0, outcomes: {}, errors: {} }), 3);
    const processes = m.namespace
      ? watchedProcesses(
          m.namespace,
          Number(new URL(m.redisUrl).port),
          Number(process.env['KAFKA_BROKERS']?.split(',')[0]?.split(':').pop()) || undefined,
        )
      : new Map<string, number>();
    const metricsPorts = new Map<string, number>();
    if (m.namespace)
      for (const name of ['orders', 'settlement'] as const)
        metricsPorts.set(name, await m.service(name).port);
    for (const connections of CONNECTIONS) {
      const run = await measure(m, keys, connections, processes, metricsPorts);
      log(JSON.stringify(run));
      runs.push(run);
    }
  } finally {
    await m.stop();
  }
  // Headline: the most orders/s with no failures and p99 within the target, else the most orders/s.
  const clean = runs.filter(
    (r) => r.errors + r.timeouts + r.non2xx + Object.values(r.graphqlErrors).reduce((a, b) => a + b, 0) === 0,
  );
  const within = clean.filter((r) => r.p99Ms <= P99_TARGET_MS);
  const best = (rs: Run[]) => rs.reduce((a, b) => (b.ordersPerSec > a.ordersPerSec ? b : a));
  const headline = best(within.length ? within : clean.length ? clean : runs);
  const failures = (r: Run) => Object.values(r.graphqlErrors).reduce((a, b) => a + b, 0);
  if (single && CHART) {
    writeFileSync(
      CHART,
      tradingChart(
        single,
        runs,
        `bench:trading, ${new Date().toISOString().slice(0, 10)}: ${headline.ordersPerSec} orders/s at ${headline.connections} connections (ceiling ${headline.ceilingPerSec}/s), one bid at a time p50 ${single.singleOrderP50Ms} ms`,
      ),
    );
    log(`chart: ${CHART}`);
  }
  process.stdout.write(
    `${JSON.stringify({
      bench: 'trading',
      side: SIDE,
      ...(SIDE === 'bid' ? { funding: FUNDING } : {}),
      ordersPerSec: headline.ordersPerSec,
      p50Ms: headline.p50Ms,
      p99Ms: headline.p99Ms,
      ceilingPerSec: headline.ceilingPerSec,
      connections: headline.connections,
      durationSec: SECONDS,
      errors: headline.errors + failures(headline),
      non2xx: headline.non2xx,
      timeouts: headline.timeouts,
      singleOrderP50Ms: single?.singleOrderP50Ms ?? null,
      singleOrderP99Ms: single?.singleOrderP99Ms ?? null,
      hops: single?.hops ?? [],
      maxOrdersPerSec: best(runs).ordersPerSec,
      maxAtConnections: best(runs).connections,
      buyers: BUYERS,
      runs,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
