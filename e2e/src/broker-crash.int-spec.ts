// The broker itself crashes under a running marketplace (SIGKILL) and is started again on its data,
// as an operator would. While it is down a bid is answered with a code, not left hanging, and
// every service's /health says Kafka is down; once it is back the same request, sent again with
// its clientOrderId, gets its one outcome: one order, funds held once, and the next bid is answered.
// The services find the returned broker by themselves (no restart of theirs).
import { DedicatedKafka } from './support/dedicated-kafka';
import { Marketplace, SERVICES } from './support/marketplace';
import { untilAnswered } from './support/until-answered';

const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';

/** "1.010000" → 1010000n, and back. */
const micros = (usd: string) => BigInt(usd.replace('.', ''));
const usd = (m: bigint) => `${m / 1_000_000n}.${(m % 1_000_000n).toString().padStart(6, '0')}`;

describe('a broker crash under a running marketplace', () => {
  let kafka: DedicatedKafka;
  let m: Marketplace;

  beforeAll(async () => {
    kafka = await DedicatedKafka.start();
    m = await Marketplace.start({ KAFKA_BROKERS: kafka.brokers });
  }, 180_000);

  afterAll(async () => {
    await m?.stop();
    await kafka?.stop();
  }, 60_000);

  it('answers with a code while it is down, then gives the retried bid its one outcome', async () => {
    await m.ok(
      'mutation { openMarket(input: { marketId: "crash-h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 100 }) { id } }',
    );
    const buyer = await m.account('crash-b1', ['buyer'], '100.00');
    const bid = (clientOrderId: string) => ({
      marketId: 'crash-h100',
      side: 'BID',
      gpus: 1,
      hours: 1,
      price: '1.00',
      clientOrderId,
    });
    const before = await m.ok<{ placeOrder: { status: string } }>(PLACE, { input: bid('before') }, buyer);
    expect(before.placeOrder.status).toBe('OPEN');
    const one = micros((await m.ok<{ me: { held: string } }>('{ me { held } }', {}, buyer)).me.held);
    expect(one).toBeGreaterThan(0n);

    await kafka.kill();

    const during = await m.gql(PLACE, { input: bid('during') }, buyer);
    expect(during.data?.placeOrder ?? null).toBeNull();
    expect(['UNAVAILABLE', 'TIMEOUT']).toContain(during.errors?.[0]?.extensions?.code);
    for (const name of SERVICES) {
      const response = await fetch(`http://127.0.0.1:${await m.service(name).port}/health`);
      const body = (await response.json()) as { details?: { kafka?: { status?: string } } };
      expect({ name, status: response.status, kafka: body.details?.kafka?.status }).toEqual({
        name,
        status: 503,
        kafka: 'down',
      });
    }

    await kafka.restart();

    // The same request until it has its outcome: TIMEOUT and UNAVAILABLE say to send it again.
    const { answer } = await untilAnswered(
      () => m.gql<{ placeOrder: { id: string; status: string } }>(PLACE, { input: bid('during') }, buyer),
      { deadlineMs: 120_000 },
    );
    expect(answer.errors).toBeUndefined();
    const placed = answer.data.placeOrder;
    expect(placed.status).toBe('OPEN');
    const again = await m.ok<{ placeOrder: { id: string } }>(PLACE, { input: bid('during') }, buyer);
    expect(again.placeOrder.id).toBe(placed.id);

    const mine = await m.ok<{ me: { held: string }; myOrders: { totalCount: number } }>(
      '{ me { held } myOrders { totalCount } }',
      {},
      buyer,
    );
    expect(mine).toEqual({ me: { held: usd(2n * one) }, myOrders: { totalCount: 2 } });

    // And the market goes on: the next bid is answered at once.
    const after = await m.ok<{ placeOrder: { status: string } }>(PLACE, { input: bid('after') }, buyer);
    expect(after.placeOrder.status).toBe('OPEN');
  }, 300_000);
});
