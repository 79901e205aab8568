// A breach that reaches settlement late, end to end: a node's credential is revoked mid-lease while
// orders is down, so the lease is breached (and its undelivered time given back) only once orders
// is back, after the lease's end. Meanwhile settlement's meter charges it no further than the
// breach capacity recorded; the buyer then pays for the time up to the revocation, to the minor
// unit, and nothing stays in escrow or clearing.
import { Marketplace } from './support/marketplace';

// A lease's hour: long enough that the revocation lands well before the lease's end on a loaded
// machine (checked below), which the test is about; the meter then waits it out.
const HOUR_MS = 20_000;
const micros = (usd: string) => {
  const [whole, frac = ''] = usd.split('.');
  return Number(whole) * 1e6 + Number(frac.padEnd(6, '0'));
};
type Lease = {
  id: string;
  status: string;
  value: string;
  fee: string;
  charged: string;
  refunded: string;
  start: string;
  end: string;
  chargedUntil: string | null;
};
const LEASES = `{ myLeases(first: 50) { edges { node { id status value fee charged refunded nodeId start end chargedUntil } } } }`;
const ACCOUNT = `query($id: ID!) { account(id: $id) { balance held escrow earned } }`;

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a breach that reaches settlement after the lease ended', () => {
  let m: Marketplace;

  beforeAll(async () => {
    m = await Marketplace.start({
      GPU_HOUR_MS: String(HOUR_MS),
      LEASE_METER_INTERVAL_MS: '300',
      LEASE_CHARGE_DELAY_MS: '0',
    });
  }, 180_000);
  afterAll(() => m?.stop());

  it('charges a lease on a revoked node up to the revocation, however late orders breaches it', async () => {
    await m.ok(
      `mutation { openMarket(input: { marketId: "lb", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    const provider = await m.account('lb-p', ['provider']);
    const buyer = await m.account('lb-b', ['buyer'], '100');
    // Two nodes no worker watches (an administrator certified them): the revoked one, and one
    // whose lease, traded in the same decision, shows when the meter has passed both ends.
    for (const n of ['lb-revoked', 'lb-clock']) {
      await m.ok(
        `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { node { id } } }`,
        { i: { marketId: 'lb', gpuModel: 'H100-80GB', gpus: 1, region: 'eu', nodeId: n } },
        provider,
      );
      await m.ok(`mutation($n: ID!) { markNodeCertified(nodeId: $n, tflopsPerGpu: 50) { status } }`, { n });
      const ask = { marketId: 'lb', side: 'ASK', gpus: 1, hours: 1, price: '2.00', nodeId: n };
      await m.ok(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`, { i: ask }, provider);
    }
    const bid = { marketId: 'lb', side: 'BID', gpus: 2, hours: 1, price: '2.00' };
    const placed = await m.ok<{ placeOrder: { status: string } }>(
      `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { status } }`,
      { i: bid },
      buyer,
    );
    expect(placed.placeOrder.status).toBe('FILLED');
    const leases = async () =>
      Object.fromEntries(
        (
          await m.ok<{ myLeases: { edges: { node: Lease & { nodeId: string } }[] } }>(LEASES, {}, buyer)
        ).myLeases.edges.map((e) => [e.node.nodeId, e.node]),
      ) as Record<string, Lease>;
    await eventually(
      async () => (Object.keys(await leases()).length === 2 ? true : undefined),
      'both leases',
    );

    // Orders goes down; the provider revokes the node's credential (capacity records the breach).
    await m.service('orders').stop('SIGKILL');
    const revoking = Date.now();
    await m.ok(`mutation { revokeNodeCredential(nodeId: "lb-revoked") { id } }`, {}, provider);
    // What the test is about: a breach during the lease (else there is nothing to give back).
    const revokedBy = Date.now();
    const end = Date.parse((await leases())['lb-revoked']!.end);
    if (revokedBy >= end)
      throw new Error(
        `the revocation (${new Date(revokedBy).toISOString()}) came after the lease's end: a slower machine than HOUR_MS allows for`,
      );
    await eventually(
      async () => ((await leases())['lb-clock']!.status === 'ENDED' ? true : undefined),
      'the meter past both ends',
    );
    const waiting = (await leases())['lb-revoked']!;
    const total = micros(waiting.value) + micros(waiting.fee);
    expect(waiting.status).toBe('ACTIVE');
    expect(micros(waiting.charged)).toBeLessThan(total);
    // Charged up to the revocation (the breach's `at`), and the lease says up to when: what it
    // charged is what the lease accrued by then. The other, charged in full, up to its end.
    const stopped = Date.parse(waiting.chargedUntil ?? '');
    expect(stopped).toBeGreaterThanOrEqual(revoking);
    expect(stopped).toBeLessThan(end);
    const start = Date.parse(waiting.start);
    const accrued = (total: number) => Math.floor((total * (stopped - start)) / (end - start));
    expect(micros(waiting.charged)).toBe(accrued(micros(waiting.value)) + accrued(micros(waiting.fee)));
    const clockLease = (await leases())['lb-clock']!;
    expect(clockLease.chargedUntil).toBe(clockLease.end);

    // Orders is back: the breach ends the lease, what was not delivered goes back to the buyer.
    await m.service('orders').start();
    const ended = await eventually(
      async () => {
        const l = (await leases())['lb-revoked']!;
        return l.status !== 'ACTIVE' ? l : undefined;
      },
      'the early end',
      90_000,
    );
    expect(micros(ended.charged)).toBe(micros(waiting.charged));
    expect(micros(ended.refunded)).toBe(total - micros(waiting.charged));
    // When delivery stopped, the revocation, not when the late early end was recorded.
    expect(ended.chargedUntil).toBe(waiting.chargedUntil);

    // Held = charged + released; charged = earned + fee; nothing in escrow.
    const clock = (await leases())['lb-clock']!;
    const charged = micros(ended.charged) + micros(clock.charged);
    const account = async (id: string) =>
      Object.fromEntries(
        Object.entries((await m.ok<{ account: Record<string, string> }>(ACCOUNT, { id })).account).map(
          ([k, v]) => [k, micros(v)],
        ),
      );
    const paid = await eventually(async () => {
      const [p, f] = [await account('lb-p'), await account('platform')];
      return p['earned']! + f['earned']! === charged ? { p, f } : undefined;
    }, 'every charge credited');
    expect(paid.p['balance']).toBe(paid.p['earned']);
    expect(await account('lb-b')).toEqual({ balance: 100_000_000 - charged, held: 0, escrow: 0, earned: 0 });
  }, 180_000);
});
