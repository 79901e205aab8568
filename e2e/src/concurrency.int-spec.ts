// Concurrency end to end (issue 4): 20 buyer accounts fire 500 bids at once through GraphQL that
// together would spend about two and a half times what they hold. No account is ever overdrawn,
// every bid gets exactly one outcome (an order, or INSUFFICIENT_FUNDS), a retry with the same
// clientOrderId is the same outcome, holds equal the worst case of what rests, and the ledger's
// invariant holds at every moment and at the end. Half the buyers allot their whole deposit as
// buying power first and bid on it (the market decides those bids alone, issue 12): the same
// rules hold for them, and their buying power with what their bids hold is what they allotted less
// what their leases cost.
import Redis from 'ioredis';
import { settlementReadModel as rm } from '@gpux/contracts';
import { GraphQLResponse, Marketplace } from './support/marketplace';

const HOUR_MS = 1_000;
const BUYERS = 20;
const BIDS_PER_BUYER = 25;
const FEE_BPS = 250;
// Each buyer holds 13.00: its 25 bids' worst cases add up to 34.85 (5 crossing bids at 2.00 for
// 7 GPUs, 20 resting bids at 1.00), so it can fund about 10 of them.
const DEPOSIT = 13_000_000;
const ASK_PRICE = 1_500_000;
const usd = (micros: number) =>
  `${micros < 0 ? '-' : ''}${Math.floor(Math.abs(micros) / 1e6)}.${String(Math.abs(micros) % 1e6).padStart(6, '0')}`;
const micros = (text: string) => {
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const v = Number(whole) * 1e6 + Number(fraction.padEnd(6, '0'));
  return text.startsWith('-') ? -v : v;
};
const feePerGpuHour = (price: number) => Math.ceil((price * FEE_BPS) / 10_000);

const ORDER = 'id status gpus hours price filledGpus remainingGpus cancelledGpus cancelReason';
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER} } }`;
const ACCOUNTS = (ids: string[]) =>
  `{ ${ids.map((id, i) => `a${i}: account(id: "${id}") { id balance held escrow }`).join(' ')} }`;

interface Order {
  id: string;
  status: string;
  gpus: number;
  hours: number;
  price: string;
  filledGpus: number;
  remainingGpus: number;
  cancelledGpus: number;
  cancelReason: string | null;
}
interface Bid {
  buyer: string;
  clientOrderId: string;
  gpus: number;
  hours: number;
  price: string;
}
type Outcome =
  { kind: 'order'; order: Order } | { kind: 'refused'; orderId: string } | { kind: 'other'; what: string };

function outcomeOf(r: GraphQLResponse<{ placeOrder: Order }> | Error): Outcome {
  if (r instanceof Error) return { kind: 'other', what: `request failed: ${r.message}` };
  if (r.data?.placeOrder && !r.errors?.length) return { kind: 'order', order: r.data.placeOrder };
  const e = r.errors?.[0];
  if (
    r.errors?.length === 1 &&
    e?.extensions?.code === 'INSUFFICIENT_FUNDS' &&
    typeof e.extensions['orderId'] === 'string'
  )
    return { kind: 'refused', orderId: e.extensions['orderId'] };
  return { kind: 'other', what: JSON.stringify(r.errors ?? r) };
}

describe('500 concurrent bids that would overspend', () => {
  let m: Marketplace;
  let redis: Redis;
  const keys: Record<string, string> = {};
  const buyers = Array.from({ length: BUYERS }, (_, i) => `b${String(i).padStart(2, '0')}`);
  /** The buyers that bid on buying power: every other one. */
  const onPower = (buyer: string) => Number(buyer.slice(1)) % 2 === 1;
  const powerOf = async (buyer: string) =>
    micros(
      (
        await m.ok<{ buyingPower: { available: string } }>(
          `{ buyingPower(marketId: "h100") { available } }`,
          {},
          keys[buyer]!,
        )
      ).buyingPower.available,
    );

  beforeAll(async () => {
    m = await Marketplace.start({
      GPU_HOUR_MS: String(HOUR_MS),
      LEASE_METER_INTERVAL_MS: '300',
      LEASE_CHARGE_DELAY_MS: '0',
    });
    redis = new Redis(m.redisUrl, { maxRetriesPerRequest: 1 });
    await m.ok(
      `mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: ${FEE_BPS} }) { id } }`,
    );
    keys['p1'] = await m.account('p1', ['provider']);
    const opened = await Promise.all(buyers.map((b) => m.account(b, ['buyer'], usd(DEPOSIT))));
    buyers.forEach((b, i) => (keys[b] = opened[i]!));
    await Promise.all(
      buyers
        .filter(onPower)
        .map((b) =>
          m.ok(
            `mutation($a: Usd!) { allotBuyingPower(marketId: "h100", amount: $a) { available } }`,
            { a: usd(DEPOSIT) },
            keys[b]!,
          ),
        ),
    );
    // Two certified nodes of 8 GPUs, offered as four asks of 4 GPUs at 1.50 for up to 2 hours.
    for (const n of ['n1', 'n2']) {
      await m.ok(
        `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { node { id } } }`,
        { i: { marketId: 'h100', gpuModel: 'H100-80GB', gpus: 8, region: 'eu', nodeId: n } },
        keys['p1']!,
      );
      await m.ok(`mutation($n: ID!) { markNodeCertified(nodeId: $n, tflopsPerGpu: 50) { status } }`, { n });
      for (const a of [1, 2]) {
        const r = await m.ok<{ placeOrder: Order }>(
          PLACE,
          {
            input: {
              marketId: 'h100',
              side: 'ASK',
              gpus: 4,
              hours: 2,
              price: usd(ASK_PRICE),
              nodeId: n,
              clientOrderId: `${n}-a${a}`,
            },
          },
          keys['p1']!,
        );
        expect(r.placeOrder.status).toBe('OPEN');
      }
    }
  }, 180_000);

  afterAll(async () => {
    redis?.disconnect();
    await m?.stop();
  });

  /**
   * Every account's books and the ledger's totals in one atomic read: the list of accounts is read
   * under WATCH and the books in the MULTI/EXEC that follows, so an account that joins the list in
   * between (the platform's, at the first fee it earns) aborts the read instead of leaving its
   * balance out of a sum that counts it in the totals; an aborted read is taken again.
   */
  async function ledger(): Promise<{
    accounts: Record<string, { balance: number; held: number; escrow: number }>;
    totals: Record<string, number>;
  }> {
    let ids: string[] = [];
    let replies: [Error | null, unknown][] | null = null;
    while (!replies) {
      await redis.watch(rm.accounts);
      ids = await redis.zrange(rm.accounts, 0, -1);
      const tx = redis.multi();
      for (const id of ids) tx.hgetall(rm.account(id));
      tx.hgetall(rm.totals);
      replies = await tx.exec();
    }
    const hashes = replies.map(([error, value]) => {
      if (error) throw error;
      return value as Record<string, string>;
    });
    const num = (h: Record<string, string> | undefined, f: string) => Number(h?.[f] ?? 0);
    const accounts = Object.fromEntries(
      ids.map((id, i) => [
        id,
        {
          balance: num(hashes[i], 'balance'),
          held: num(hashes[i], 'held'),
          escrow: num(hashes[i], 'escrow'),
        },
      ]),
    );
    const t = hashes[ids.length];
    return {
      accounts,
      totals: {
        deposits: num(t, 'deposits'),
        withdrawals: num(t, 'withdrawals'),
        clearing: num(t, 'clearing'),
      },
    };
  }

  /**
   * What breaks the ledger's rules in a snapshot: negative books, or sums that do not balance.
   * Clearing included: a provider's credit (its partition) is applied only after the buyer's
   * charge that it pays out (another partition), so it holds at every moment (docs/ledger.md).
   */
  function violations(l: Awaited<ReturnType<typeof ledger>>): string[] {
    const out: string[] = [];
    let sum = l.totals['clearing']!;
    for (const [id, a] of Object.entries(l.accounts)) {
      if (a.balance < 0 || a.held < 0 || a.escrow < 0) out.push(`${id} is negative: ${JSON.stringify(a)}`);
      sum += a.balance + a.held + a.escrow;
    }
    if (l.totals['clearing']! < 0) out.push(`clearing is negative: ${l.totals['clearing']}`);
    if (sum !== l.totals['deposits']! - l.totals['withdrawals']!)
      out.push(
        `Σ accounts + clearing = ${sum}, deposits − withdrawals = ${l.totals['deposits']! - l.totals['withdrawals']!}`,
      );
    return out;
  }

  it('never overdraws an account, answers every bid exactly once and keeps the ledger balanced', async () => {
    // 25 bids per buyer: every fifth crosses the asks at 2.00 (1 or 2 GPUs), the rest rest at 1.00.
    const bids: Bid[] = [];
    for (let j = 0; j < BIDS_PER_BUYER; j++) {
      for (const buyer of buyers) {
        const crossing = j % 5 === 0;
        bids.push({
          buyer,
          clientOrderId: `bid-${j}`,
          gpus: crossing ? 1 + (j % 2) : 1,
          hours: 1,
          price: crossing ? '2.00' : '1.00',
        });
      }
    }
    const worstCase = (gpus: number, hours: number, price: number) =>
      gpus * hours * (price + feePerGpuHour(price));
    expect(bids.length).toBe(500);
    const perBuyer = bids
      .filter((b) => b.buyer === 'b00')
      .reduce((s, b) => s + worstCase(b.gpus, b.hours, micros(b.price)), 0);
    expect(perBuyer).toBeGreaterThan(2 * DEPOSIT);

    const place = (b: Bid) =>
      m
        .gql<{ placeOrder: Order }>(
          PLACE,
          {
            input: {
              marketId: 'h100',
              side: 'BID',
              gpus: b.gpus,
              hours: b.hours,
              price: b.price,
              clientOrderId: b.clientOrderId,
              ...(onPower(b.buyer) ? { funding: 'BUYING_POWER' } : {}),
            },
          },
          keys[b.buyer]!,
        )
        .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));

    // While the bids are in flight: every account read through the API, and the whole ledger read
    // atomically from the read model, over and over; nothing may ever be negative or unbalanced.
    const seenBad: string[] = [];
    let storming = true;
    let apiReads = 0;
    let ledgerReads = 0;
    const watchApi = (async () => {
      while (storming) {
        const r = await m
          .gql<Record<string, { id: string; balance: string; held: string; escrow: string }>>(
            ACCOUNTS(buyers),
          )
          .catch(() => null);
        if (r?.data) {
          apiReads++;
          for (const a of Object.values(r.data))
            if ([a.balance, a.held, a.escrow].some((v) => v.startsWith('-')))
              seenBad.push(`API showed ${JSON.stringify(a)}`);
        }
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const watchLedger = (async () => {
      while (storming) {
        seenBad.push(...violations(await ledger()));
        ledgerReads++;
        await new Promise((res) => setTimeout(res, 20));
      }
    })();

    // The watchers stop however the storm ends: a failed expectation must not leave them running
    // (they would keep the suite from ever exiting).
    let accepted: { bid: Bid; order: Order }[] = [];
    let refused: { bid: Bid; orderId: string }[] = [];
    try {
      const started = Date.now();
      const answers = await Promise.all(bids.map(place));
      const elapsedMs = Date.now() - started;
      const outcomes = answers.map(outcomeOf);

      // Exactly one outcome each: an order or INSUFFICIENT_FUNDS; nothing else (a TIMEOUT fails).
      const other = outcomes.flatMap((o, i) =>
        o.kind === 'other' ? [`${bids[i]!.buyer}/${bids[i]!.clientOrderId}: ${o.what}`] : [],
      );
      expect(other).toEqual([]);
      accepted = outcomes.flatMap((o, i) => (o.kind === 'order' ? [{ bid: bids[i]!, order: o.order }] : []));
      refused = outcomes.flatMap((o, i) =>
        o.kind === 'refused' ? [{ bid: bids[i]!, orderId: o.orderId }] : [],
      );
      expect(accepted.length + refused.length).toBe(500);
      expect(accepted.length).toBeGreaterThan(100);
      expect(refused.length).toBeGreaterThan(100);
      for (const { order } of accepted)
        expect(['OPEN', 'PARTIALLY_FILLED', 'FILLED']).toContain(order.status);
      expect(new Set([...accepted.map((a) => a.order.id), ...refused.map((r) => r.orderId)]).size).toBe(500);
      // Some bids traded the 16 GPUs offered.
      expect(accepted.reduce((s, a) => s + a.order.filledGpus, 0)).toBeGreaterThan(0);
      process.stderr.write(
        `[concurrency] 500 bids answered in ${elapsedMs} ms: ${accepted.length} accepted, ${refused.length} INSUFFICIENT_FUNDS\n`,
      );

      // A retry with the same clientOrderId is the same outcome, and changes nothing.
      const retried = [...accepted.slice(0, 3).map((a) => a.bid), ...refused.slice(0, 3).map((r) => r.bid)];
      const again = (await Promise.all(retried.map(place))).map(outcomeOf);
      for (let i = 0; i < 3; i++)
        expect(again[i]).toMatchObject({ kind: 'order', order: { id: accepted[i]!.order.id } });
      for (let i = 0; i < 3; i++)
        expect(again[3 + i]).toEqual({ kind: 'refused', orderId: refused[i]!.orderId });
    } finally {
      storming = false;
      await Promise.all([watchApi, watchLedger]);
    }
    expect(seenBad).toEqual([]);
    expect(apiReads).toBeGreaterThan(0);
    expect(ledgerReads).toBeGreaterThan(0);
    process.stderr.write(
      `[concurrency] meanwhile ${apiReads} reads of the 20 accounts through the API and ${ledgerReads} atomic reads of the ledger\n`,
    );

    // myOrders lists every accepted order exactly once, and nothing else: a bid settlement could
    // not fund never reached the market (its hold is refused before the bid is placed).
    const ordersOf = async (buyer: string) =>
      (
        await m.ok<{ myOrders: { totalCount: number; edges: { node: Order }[] } }>(
          `{ myOrders(first: 100) { totalCount edges { node { ${ORDER} } } } }`,
          {},
          keys[buyer]!,
        )
      ).myOrders;
    const listed = new Map<string, Order[]>();
    for (const buyer of buyers) {
      const page = await ordersOf(buyer);
      expect(page.edges.length).toBe(page.totalCount);
      listed.set(
        buyer,
        page.edges.map((e) => e.node),
      );
      const ids = page.edges.map((e) => e.node.id);
      expect(new Set(ids).size).toBe(ids.length);
      const mine = accepted.filter((a) => a.bid.buyer === buyer).map((a) => a.order.id);
      for (const id of mine) expect(ids.filter((x) => x === id).length).toBe(1);
      expect([...ids].sort()).toEqual([...mine].sort());
    }

    // Holds: each buyer's held equals the worst case of what it has resting (and, bidding on buying
    // power, the buying power no bid uses: its hold holds both); checked once the releases of
    // trades (settlement applies them on orders' events) have landed.
    const heldOf = (buyer: string) =>
      listed
        .get(buyer)!
        .filter((o) => o.status === 'OPEN' || o.status === 'PARTIALLY_FILLED')
        .reduce((s, o) => s + worstCase(o.remainingGpus, o.hours, micros(o.price)), 0);
    const power = new Map(
      await Promise.all(buyers.map(async (b) => [b, onPower(b) ? await powerOf(b) : 0] as const)),
    );
    const deadline = Date.now() + 20_000;
    for (;;) {
      const l = await ledger();
      const wrong = buyers.filter((b) => l.accounts[b]?.held !== heldOf(b) + power.get(b)!);
      if (!wrong.length) break;
      if (Date.now() > deadline)
        expect(Object.fromEntries(wrong.map((b) => [b, l.accounts[b]?.held]))).toEqual(
          Object.fromEntries(wrong.map((b) => [b, heldOf(b) + power.get(b)!])),
        );
      await new Promise((res) => setTimeout(res, 200));
    }
    // A buyer on buying power bid some of it away and was refused past it: none of its balance.
    for (const b of buyers.filter(onPower)) {
      expect(power.get(b)).toBeLessThan(DEPOSIT);
      expect(refused.some((r) => r.bid.buyer === b)).toBe(true);
    }

    // Once every lease has run (1 s a GPU-hour), each buyer's deposit is exactly what it has, what
    // it holds and what its leases cost; the providers and the platform got the rest.
    const traded = accepted.reduce((s, a) => s + a.order.filledGpus, 0);
    const leasesOf = async (who: string) =>
      (
        await m.ok<{
          myLeases: {
            totalCount: number;
            edges: {
              node: {
                status: string;
                gpus: number;
                value: string;
                fee: string;
                charged: string;
                buyerId: string;
              };
            }[];
          };
        }>(
          `{ myLeases(first: 100) { totalCount edges { node { status gpus value fee charged buyerId } } } }`,
          {},
          keys[who]!,
        )
      ).myLeases;
    const end = Date.now() + 30_000;
    for (;;) {
      const leases = await leasesOf('p1');
      const l = await ledger();
      const done =
        leases.edges.reduce((s, e) => s + e.node.gpus, 0) === traded &&
        leases.edges.every((e) => e.node.status === 'ENDED') &&
        Object.values(l.accounts).every((a) => a.escrow === 0) &&
        l.totals['clearing'] === 0;
      if (done) break;
      if (Date.now() > end)
        throw new Error(
          `leases did not all end: ${JSON.stringify({ leases: leases.edges.map((e) => e.node), totals: l.totals })}`,
        );
      await new Promise((res) => setTimeout(res, 250));
    }
    const final = await ledger();
    expect(violations(final)).toEqual([]);
    expect(final.totals).toEqual({ deposits: BUYERS * DEPOSIT, withdrawals: 0, clearing: 0 });
    let spent = 0;
    for (const buyer of buyers) {
      const leases = await leasesOf(buyer);
      const cost = leases.edges.reduce((s, e) => s + micros(e.node.value) + micros(e.node.fee), 0);
      for (const e of leases.edges)
        expect(e.node.charged).toBe(usd(micros(e.node.value) + micros(e.node.fee)));
      const a = final.accounts[buyer]!;
      expect({ buyer, total: a.balance + a.held + a.escrow + cost }).toEqual({ buyer, total: DEPOSIT });
      // On buying power: all of it allotted, so nothing available; the hold is what rests and the
      // buying power left, which with the leases' cost is the allotment.
      if (onPower(buyer))
        expect({ buyer, balance: a.balance, power: (await powerOf(buyer)) + heldOf(buyer) + cost }).toEqual({
          buyer,
          balance: 0,
          power: DEPOSIT,
        });
      spent += cost;
    }
    const p1 = final.accounts['p1']!;
    const platform = final.accounts['platform']!;
    expect(p1.balance + platform.balance).toBe(spent);
    expect(p1.balance).toBe(traded * ASK_PRICE * 1);
  }, 120_000);
});
