/**
 * `npm run bench:outage`: how long the marketplace takes to trade again after its Kafka broker
 * crashes and comes back. The built services run as `npm start` runs them, on a broker of the
 * benchmark's own (e2e/src/support/dedicated-kafka.ts: the repository's kafka.sh in a folder and on
 * ports of its own; KAFKA_BROKERS, which `bench/run.sh` provides, is only where the services'
 * topics would be cleaned up). For each outage length (BENCH_OUTAGE_SECONDS, default 5 and 20):
 * a bid is answered, the broker is killed with SIGKILL, left down that long and started again on
 * its data (a bid sent 5 ms before the kill is in flight then: its partition's transaction may be
 * open). Once the broker is up again, the buyer sends a new bid, and the one in flight again, each
 * again with the same clientOrderId a quarter of a second after each TIMEOUT or UNAVAILABLE, until
 * it has its outcome. Measured from the moment the broker is up again: when every service's
 * /health answers 200 (`healthyMs`), and when each bid was answered (`answeredMs` and
 * `inflightAnsweredMs`, with the tries each took). The last line is one JSON object, headed by the
 * longest wait of any bid (`answeredMs`).
 */
import { DedicatedKafka } from '../e2e/src/support/dedicated-kafka';
import { Marketplace, SERVICES } from '../e2e/src/support/marketplace';
import { untilAnswered } from '../e2e/src/support/until-answered';

const OUTAGES = (process.env['BENCH_OUTAGE_SECONDS'] ?? '5,20').split(',').map(Number);
const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';
const log = (msg: string) => process.stderr.write(`[bench:outage] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  outageSec: number;
  brokerStartMs: number;
  healthyMs: number;
  answeredMs: number;
  tries: number;
  inflightAnsweredMs: number;
  inflightTries: number;
}

async function allHealthy(m: Marketplace): Promise<boolean> {
  const statuses = await Promise.all(
    SERVICES.map(async (name) => {
      const response = await fetch(`http://127.0.0.1:${await m.service(name).port}/health`).catch(() => null);
      return response?.status;
    }),
  );
  return statuses.every((s) => s === 200);
}

type Bid = Record<string, unknown>;

/** The bid sent, and again with its clientOrderId after each TIMEOUT or UNAVAILABLE, until it has its outcome. */
async function bidUntilAnswered(
  m: Marketplace,
  key: string,
  input: Bid,
  back: number,
): Promise<{ answeredMs: number; tries: number }> {
  const { tries } = await untilAnswered(() => m.gql(PLACE, { input }, key), {
    deadlineMs: 180_000,
    onRetry: (code, n) =>
      log(`  ${String(input['clientOrderId'])}: try ${n} answered ${code} at +${Date.now() - back} ms`),
  });
  return { answeredMs: Date.now() - back, tries };
}

async function main(): Promise<void> {
  if (!process.env['KAFKA_BROKERS'])
    throw new Error(
      'KAFKA_BROKERS and REDIS_URL must name a running stack (npm run bench:outage brings one up)',
    );
  const kafka = await DedicatedKafka.start();
  let m: Marketplace | undefined;
  const runs: Run[] = [];
  try {
    const market = await Marketplace.start({ KAFKA_BROKERS: kafka.brokers });
    m = market;
    await market.ok(
      'mutation { openMarket(input: { marketId: "outage-h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 100 }) { id } }',
    );
    const buyer = await market.account('outage-b1', ['buyer'], '1000.00');
    const bid = (clientOrderId: string) => ({
      marketId: 'outage-h100',
      side: 'BID',
      gpus: 1,
      hours: 1,
      price: '1.00',
      clientOrderId,
    });
    for (const outageSec of OUTAGES) {
      await market.ok(PLACE, { input: bid(`before-${outageSec}`) }, buyer);
      // A bid in flight when the broker dies (its answer, TIMEOUT or UNAVAILABLE, is not awaited):
      // its partition's transaction may be open then.
      void market.gql(PLACE, { input: bid(`inflight-${outageSec}`) }, buyer).catch(() => undefined);
      await sleep(5);
      await kafka.kill();
      await sleep(outageSec * 1_000);
      const starting = Date.now();
      await kafka.restart();
      const back = Date.now();
      const brokerStartMs = back - starting;
      let healthyMs = -1;
      const healthy = (async () => {
        while (healthyMs < 0 && Date.now() - back < 180_000) {
          if (await allHealthy(market)) healthyMs = Date.now() - back;
          else await sleep(100);
        }
      })();
      const [fresh, inflight] = await Promise.all([
        bidUntilAnswered(market, buyer, bid(`after-${outageSec}`), back),
        bidUntilAnswered(market, buyer, bid(`inflight-${outageSec}`), back),
      ]);
      await healthy;
      const run = {
        outageSec,
        brokerStartMs,
        healthyMs,
        answeredMs: fresh.answeredMs,
        tries: fresh.tries,
        inflightAnsweredMs: inflight.answeredMs,
        inflightTries: inflight.tries,
      };
      log(JSON.stringify(run));
      runs.push(run);
    }
  } finally {
    await m?.stop();
    await kafka.stop();
  }
  // The headline: the longest any bid waited for its outcome after the broker was back.
  const answeredMs = Math.max(...runs.flatMap((r) => [r.answeredMs, r.inflightAnsweredMs]));
  process.stdout.write(`${JSON.stringify({ bench: 'outage', answeredMs, runs })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
