/**
 * `npm run bench:refold`: how long the services' read models take to refold after Redis is
 * flushed, on a log that the marketplace itself wrote. The five built services run as processes
 * (as the e2e harness runs them) on the KAFKA_BROKERS of the environment, with a Redis of their
 * own. BUYERS buyers take LEASES leases of one GPU for one hour from PROVIDERS providers' asks;
 * an hour is GPU_HOUR_MS, and the lease meter charges every 300 ms until the leases end. So
 * settlement's log holds, for each lease, its charges on the buyer's partition and the provider's
 * and the platform's credits, each of which waits for its charge when folded (a cause on another
 * partition: docs/architecture.md §4), as a marketplace's log does after a while of trading.
 *
 * Then Redis is flushed FLUSHES times, each after the last refold is done, and each time it
 * measures:
 *   unavailableMs   flush until the gateway answers a buyer's `account` query again (it answers
 *                   UNAVAILABLE while settlement's model, which holds the API keys, refolds)
 *   refoldMs        per service: its /health's `refolding` from its start until it is gone
 *   causalWaits     settlement's waits for a cause during the refold (its /metrics)
 * Then it asks for a rebuild of settlement's model (its request key, as an operator sets it: a new
 * generation built beside the model readers read, then switched in) and measures until the switch
 * (the request key gone): `rebuildMs`.
 * The last line is one JSON object: the median of each over the flushes, every flush, and the rebuild.
 */
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { settlementReadModel, topic } from '@gpux/contracts';
import { projectionKeys } from '@gpux/eventsourcing';
import { infraEnv } from '@gpux/testing';
import { Marketplace, ServiceName } from '../e2e/src/support/marketplace';

const BUYERS = Number(process.env['BENCH_REFOLD_BUYERS'] ?? 30);
const PROVIDERS = Number(process.env['BENCH_REFOLD_PROVIDERS'] ?? 10);
const LEASES = Number(process.env['BENCH_REFOLD_LEASES'] ?? 300);
const GPU_HOUR_MS = Number(process.env['BENCH_REFOLD_GPU_HOUR_MS'] ?? 15_000);
const FLUSHES = Number(process.env['BENCH_REFOLD_FLUSHES'] ?? 3);
const REFOLD_LIMIT_MS = 240_000;
const MODELS: Record<Exclude<ServiceName, 'gateway'>, string> = {
  settlement: 'settlement.read-model',
  orders: 'orders.read-model',
  capacity: 'capacity.read-model',
  pricing: 'pricing.read-model',
};
const log = (msg: string) => process.stderr.write(`[bench:refold] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Flush {
  unavailableMs: number;
  refoldMs: Partial<Record<keyof typeof MODELS, number | null>>;
  causalWaits: number;
}

/** Sets up the market, the accounts, the asks and the bids that trade into leases. */
async function trade(m: Marketplace): Promise<string> {
  await m.ok(
    `mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
  );
  const perProvider = Math.ceil(LEASES / PROVIDERS);
  for (let p = 0; p < PROVIDERS; p++) {
    const key = await m.account(`p${p}`, ['provider']);
    const nodeId = `n${p}`;
    await m.ok(
      `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { node { id } } }`,
      { i: { marketId: 'h100', gpuModel: 'H100-80GB', gpus: perProvider, region: 'eu', nodeId } },
      key,
    );
    await m.ok(`mutation($n: ID!) { markNodeCertified(nodeId: $n, tflopsPerGpu: 50) { status } }`, {
      n: nodeId,
    });
    await m.ok(
      `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`,
      { i: { marketId: 'h100', side: 'ASK', gpus: perProvider, hours: 1, price: '1.50', nodeId } },
      key,
    );
  }
  const buyers = await Promise.all(
    Array.from({ length: BUYERS }, (_, b) => m.account(`b${b}`, ['buyer'], '10000.00')),
  );
  // One GPU per bid, so that each bid is its own lease; the buyers in turn, a few at once.
  for (let i = 0; i < LEASES; i += 10)
    await Promise.all(
      Array.from({ length: Math.min(10, LEASES - i) }, (_, j) =>
        m.ok(
          `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { status } }`,
          { i: { marketId: 'h100', side: 'BID', gpus: 1, hours: 1, price: '1.50' } },
          buyers[(i + j) % BUYERS],
        ),
      ),
    );
  return buyers[0]!;
}

/** The number of records in settlement's events topic (its partitions' end offsets). */
async function settlementEvents(kafka: Kafka, namespace: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic('settlement', 'events', namespace).name);
    return offsets.reduce((sum, o) => sum + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

async function serviceUrl(m: Marketplace, name: ServiceName): Promise<string> {
  return `http://127.0.0.1:${await m.service(name).port}`;
}

async function causalWaits(m: Marketplace): Promise<number> {
  const text = await (await fetch(`${await serviceUrl(m, 'settlement')}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('gpux_projection_causal_waits_total'));
  return Number(line?.split(' ').pop() ?? 0);
}

/** The model's `refolding` detail of a service's /health, or undefined when it is whole. */
async function refolding(url: string, model: string): Promise<{ since: string } | undefined> {
  const response = await fetch(`${url}/health`, { headers: { connection: 'close' } });
  const body = (await response.json()) as { details?: Record<string, { refolding?: { since: string } }> };
  return body.details?.[model]?.refolding;
}

/** Flushes Redis and measures until every model is whole and the gateway answers again. */
async function flush(m: Marketplace, redis: Redis, buyerKey: string): Promise<Flush> {
  const waitsBefore = await causalWaits(m);
  const flushedAt = Date.now();
  await redis.flushall();
  const refoldMs: Flush['refoldMs'] = {};
  const seen = new Map<string, number>();
  let unavailableMs: number | undefined;
  while (Date.now() - flushedAt < REFOLD_LIMIT_MS) {
    if (unavailableMs === undefined) {
      const r = await m.gql<{ account: { balance: string } | null }>(
        '{ account(id: "b0") { balance } }',
        {},
        buyerKey,
      );
      if (r.data?.account && !r.errors?.length) unavailableMs = Date.now() - flushedAt;
    }
    for (const [service, model] of Object.entries(MODELS) as [keyof typeof MODELS, string][]) {
      if (refoldMs[service] !== undefined) continue;
      const detail = await refolding(await serviceUrl(m, service), model);
      if (detail) seen.set(service, Date.parse(detail.since));
      else if (seen.has(service)) refoldMs[service] = Date.now() - seen.get(service)!;
      // A refold too short to be seen in a poll: the runner says `refolding` until its next
      // epoch check (500 ms), so not seeing it for 3 s means it is done.
      else if (Date.now() - flushedAt > 3_000) refoldMs[service] = null;
    }
    if (unavailableMs !== undefined && Object.keys(refoldMs).length === Object.keys(MODELS).length) break;
    await sleep(100);
  }
  if (unavailableMs === undefined)
    throw new Error(`the gateway did not answer within ${REFOLD_LIMIT_MS} ms of the flush`);
  return { unavailableMs, refoldMs, causalWaits: (await causalWaits(m)) - waitsBefore };
}

/** Asks for a rebuild of settlement's model and waits for its switch (the request key is deleted by it). */
async function rebuild(redis: Redis): Promise<{ rebuildMs: number }> {
  const request = projectionKeys(settlementReadModel.name).rebuildRequest;
  const asked = Date.now();
  await redis.set(request, new Date(asked).toISOString());
  while ((await redis.exists(request)) === 1) {
    if (Date.now() - asked > REFOLD_LIMIT_MS)
      throw new Error(`no switch within ${REFOLD_LIMIT_MS} ms of the request`);
    await sleep(100);
  }
  return { rebuildMs: Date.now() - asked };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const m = await Marketplace.start({
    GPU_HOUR_MS: String(GPU_HOUR_MS),
    LEASE_METER_INTERVAL_MS: '300',
    LEASE_CHARGE_DELAY_MS: '0',
  });
  const redis = new Redis(m.redisUrl, { maxRetriesPerRequest: 1 });
  const kafka = new Kafka({
    clientId: 'bench-refold',
    brokers: infraEnv().KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  try {
    const buyerKey = await trade(m);
    log(`${LEASES} leases open; metered until they end (an hour is ${GPU_HOUR_MS} ms)`);
    // The log stops growing once every lease has had its final charge and credits.
    await sleep(GPU_HOUR_MS);
    let events = await settlementEvents(kafka, m.namespace!);
    for (let still = 0; still < 3;) {
      await sleep(1_000);
      const now = await settlementEvents(kafka, m.namespace!);
      still = now === events ? still + 1 : 0;
      events = now;
    }
    log(`settlement's log: ${events} records`);
    const flushes: Flush[] = [];
    for (let i = 0; i < FLUSHES; i++) {
      const f = await flush(m, redis, buyerKey);
      log(`flush ${i + 1}: ${JSON.stringify(f)}`);
      flushes.push(f);
    }
    const rebuilt = await rebuild(redis);
    log(`asked-for rebuild of settlement: ${JSON.stringify(rebuilt)}`);
    const result = {
      bench: 'refold',
      leases: LEASES,
      settlementEvents: events,
      unavailableMs: median(flushes.map((f) => f.unavailableMs)),
      settlementRefoldMs: median(flushes.map((f) => f.refoldMs.settlement ?? 0)),
      causalWaits: median(flushes.map((f) => f.causalWaits)),
      ...rebuilt,
      flushes,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    redis.disconnect();
    await m.stop();
  }
}

const watchdog = setTimeout(() => {
  log('took longer than 15 minutes: giving up');
  process.exit(1);
}, 900_000);
watchdog.unref();
main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
