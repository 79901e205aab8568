/**
 * `npm run bench:fanout`: what market data costs the gateway per watcher. The five built services
 * run as processes (as bench:trading runs them, on the KAFKA_BROKERS of the environment, in a topic
 * namespace and a Redis of their own). For each number of watchers (BENCH_FANOUT_WATCHERS, default
 * 0, 100 and 400), that many graphql-ws clients subscribe to one market's book (the same
 * operation, as a market's watchers do), then one buyer places BENCH_FANOUT_BIDS bids one after the
 * other, each a change of the book that every watcher is sent. Measured: the gateway's CPU during
 * the bids (from /proc), the deliveries the watchers received, and so the gateway's microseconds
 * per delivery beyond what the same bids cost it with no watcher. The last line is one JSON object.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Marketplace } from '../e2e/src/support/marketplace';
import { cpuMeter, watchedProcesses } from './trading/cpu';

const WATCHERS = (process.env['BENCH_FANOUT_WATCHERS'] ?? '0,100,400').split(',').map(Number);
const BIDS = Number(process.env['BENCH_FANOUT_BIDS'] ?? 60);
const BOOK = 'subscription { bookUpdated(marketId: "h100") { bids { price gpus } asks { price gpus } } }';
const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }';
const log = (msg: string) => process.stderr.write(`[bench:fanout] ${msg}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  watchers: number;
  bids: number;
  /** Book updates the watchers received, all together. */
  deliveries: number;
  /** The fewest and the most one watcher received. */
  perWatcher: [number, number];
  gatewayCpuMs: number;
  /** The gateway's CPU beyond the same bids' with no watcher, per delivery. */
  usPerDelivery: number | null;
  bidP50Ms: number;
}

/** `count` watchers of the book, each counting what it is sent; resolves once all are subscribed. */
async function watch(url: string, count: number): Promise<{ clients: Client[]; received: number[] }> {
  const received = new Array<number>(count).fill(0);
  const clients: Client[] = [];
  for (let i = 0; i < count; i++) {
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
    });
    clients.push(client);
    client.subscribe(
      { query: BOOK },
      {
        next: () => void received[i]!++,
        error: (error) => log(`watcher ${i}: ${JSON.stringify(error)}`),
        complete: () => undefined,
      },
    );
  }
  // A subscription is live once it has sent its first message (the book as it stands), which is
  // not one of the bids' deliveries: counted from zero after.
  for (let waited = 0; received.some((n) => n === 0); waited += 50) {
    if (waited > 10_000 + count * 50) throw new Error('the watchers were not all sent their first book');
    await sleep(50);
  }
  received.fill(0);
  return { clients, received };
}

async function main() {
  if (!process.env['KAFKA_BROKERS'] && !Marketplace.external)
    throw new Error(
      'KAFKA_BROKERS and REDIS_URL must name a running stack (npm run bench:fanout brings one up)',
    );
  const m = await Marketplace.start({
    LEASE_METER_INTERVAL_MS: '3600000',
    // The watchers are anonymous sockets from this one machine: to the gateway, one caller.
    GATEWAY_WS_MAX_SOCKETS_PER_CALLER: String(Math.max(...WATCHERS, 1)),
  });
  const runs: Run[] = [];
  try {
    await m.ok(
      `mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    const buyer = await m.account('b1', ['buyer'], '1000000.00');
    const processes = m.namespace
      ? watchedProcesses(m.namespace, Number(new URL(m.redisUrl).port))
      : new Map<string, number>();
    const gateway = new Map([...processes].filter(([name]) => name === 'gateway'));
    if (gateway.size === 0) throw new Error('the gateway process was not found in /proc');
    let sequence = 0;
    const bid = async () => {
      const i = sequence++;
      const started = performance.now();
      // Bids below any ask rest in the book, and each changes it: one update for every watcher.
      await m.ok(
        PLACE,
        {
          i: { marketId: 'h100', side: 'BID', gpus: 1, hours: 1, price: (1 + (i % 90) / 100).toFixed(2) },
        },
        buyer,
      );
      return performance.now() - started;
    };
    for (let i = 0; i < 10; i++) await bid(); // warm-up: not counted
    let quiet: number | undefined;
    for (const watchers of WATCHERS) {
      const { clients, received } = await watch(m.url, watchers);
      const cpu = cpuMeter(gateway);
      const started = performance.now();
      const latencies: number[] = [];
      for (let i = 0; i < BIDS; i++) latencies.push(await bid());
      await sleep(1_000); // the last updates reach the watchers
      const seconds = (performance.now() - started) / 1000;
      const gatewayCpuMs = Math.round((cpu()['gateway'] ?? 0) * seconds * 1000);
      const deliveries = received.reduce((a, b) => a + b, 0);
      if (watchers === 0) quiet = gatewayCpuMs;
      latencies.sort((a, b) => a - b);
      const run: Run = {
        watchers,
        bids: BIDS,
        deliveries,
        perWatcher: watchers ? [Math.min(...received), Math.max(...received)] : [0, 0],
        gatewayCpuMs,
        usPerDelivery:
          deliveries && quiet !== undefined ? Math.round(((gatewayCpuMs - quiet) * 1000) / deliveries) : null,
        bidP50Ms: Math.round(latencies[latencies.length >> 1] ?? 0),
      };
      log(JSON.stringify(run));
      runs.push(run);
      await Promise.all(clients.map((c) => c.dispose()));
      await sleep(500);
    }
  } finally {
    await m.stop();
  }
  const last = runs[runs.length - 1];
  process.stdout.write(
    `${JSON.stringify({
      bench: 'fanout',
      watchers: last?.watchers ?? 0,
      usPerDelivery: last?.usPerDelivery ?? null,
      deliveries: last?.deliveries ?? 0,
      runs,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
