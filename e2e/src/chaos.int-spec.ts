// Chaos under a mixed workload: one seeded sequence of deposits (with and without an
// idempotencyKey), withdrawals, bids and asks (GTC, IOC, FOK), cancels and a node registration
// runs through the API while, at fixed steps, each service is killed with SIGKILL mid-request and
// restarted, Redis is flushed twice mid-request and a rebuild of every read model is asked for.
// A careful client retries a TIMEOUT, an UNAVAILABLE or a broken connection with the same key (the
// one the error names when it sent none). Then: every command has one outcome, the same again
// with its key; the book, the orders and the fills agree; every hold is released or consumed
// exactly; the ledger balances to the micro-dollar against what the client was told; and the
// read models equal a fresh refold of the log. restart.int-spec compares a fixed script with and
// without kills, and rebuild-live rebuilds a log no command changes meanwhile: here flushes and a
// rebuild meet commands in flight, and the invariants themselves are checked.
import Redis from 'ioredis';
import { ordersReadModel, settlementReadModel } from '@gpux/contracts';
import { seededRandom } from '@gpux/testing';
import { GraphQLResponse, Marketplace, ServiceName } from './support/marketplace';
import { MODEL_KEYS, differences, refolded, settledModels } from './support/read-models';

const SEED = 20_261_205;
const STEPS = 240;
const ENV = { GPU_HOUR_MS: '1000', LEASE_METER_INTERVAL_MS: '300', LEASE_CHARGE_DELAY_MS: '0' };
const BUYERS = ['b1', 'b2', 'b3'];
const PROVIDERS = ['p1', 'p2'];
// What happens during which step (its request in flight for a few ms first).
const CHAOS: Record<number, ServiceName | 'flush' | 'rebuild'> = {
  20: 'settlement',
  45: 'flush',
  70: 'orders',
  95: 'rebuild',
  120: 'capacity',
  145: 'flush',
  170: 'pricing',
  195: 'gateway',
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`[chaos] ${msg}\n`);

/** The workload's choices, the same on every run. */
function seeded(seed: number) {
  const next = seededRandom(seed);
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

const micros = (usd: string): bigint => {
  const [whole, frac = ''] = usd.replace('-', '').split('.');
  const v = BigInt(whole!) * 1_000_000n + BigInt((frac + '000000').slice(0, 6));
  return usd.startsWith('-') ? -v : v;
};
const usd = (v: bigint) => `${v / 1_000_000n}.${String(v % 1_000_000n).padStart(6, '0')}`;

/** An outcome: the data's summary, or the refusal's code. */
type Outcome = { ok: true; summary: string } | { ok: false; code: string };
interface Command {
  name: string;
  kind: 'deposit' | 'withdraw' | 'place' | 'cancel' | 'register';
  key?: string;
  amount?: bigint;
  send: (key: string | undefined) => Promise<GraphQLResponse<Record<string, unknown>>>;
  summarize: (data: Record<string, unknown>) => string;
  outcome?: Outcome;
  tries: string[];
}

const RETRIED = new Set(['TIMEOUT', 'UNAVAILABLE']);

/** Sends a command until it has an outcome, as a careful client does (bounded: 90 s). */
async function settle(cmd: Command): Promise<Outcome> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    let why: string;
    try {
      const r = await cmd.send(cmd.key);
      const error = r.errors?.[0];
      if (!error) return { ok: true, summary: cmd.summarize(r.data ?? {}) };
      why = String(error.extensions?.code);
      if (!RETRIED.has(why)) return { ok: false, code: why };
      // A command sent without a key is retried with the key its TIMEOUT or UNAVAILABLE names.
      cmd.key ??= error.extensions?.['idempotencyKey'] as string | undefined;
    } catch (e) {
      why = `connection: ${e instanceof Error ? e.message : String(e)}`;
    }
    cmd.tries.push(why);
    if (cmd.key === undefined) throw new Error(`${cmd.name}: ${why}, and no key to retry it with`);
    if (Date.now() > deadline)
      throw new Error(`${cmd.name}: no outcome within 90 s: ${cmd.tries.join(', ')}`);
    await sleep(300);
  }
}

describe('a seeded workload under kills, flushes and a rebuild', () => {
  it('loses, doubles and diverges nothing', async () => {
    const r = seeded(SEED);
    const m = await Marketplace.start(ENV);
    const redis = new Redis(m.redisUrl, { maxRetriesPerRequest: 3 });
    try {
      const keys: Record<string, string> = {};
      await m.ok(
        `mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
      );
      for (const p of PROVIDERS) keys[p] = await m.account(p, ['provider']);
      for (const b of BUYERS) keys[b] = await m.account(b, ['buyer']);

      const commands: Command[] = [];
      const orders: { who: string; clientOrderId: string; id?: string }[] = [];
      const nodes: Record<string, string[]> = { p1: [], p2: [] };
      /** A command sent by `who` (the admin: null), its variables with the key as $k. */
      const command = (
        kind: Command['kind'],
        name: string,
        who: string | null,
        query: string,
        vars: Record<string, unknown>,
        key?: string,
        amount?: bigint,
      ): Command => ({
        name,
        kind,
        key,
        amount,
        send: (k) => m.gql(query, { ...vars, k }, who ? keys[who]! : m.adminKey),
        summarize: (d) => JSON.stringify(d),
        tries: [],
      });
      const money = (kind: 'deposit' | 'withdraw', who: string, amount: bigint, key?: string) =>
        command(
          kind,
          `${kind} ${commands.length}${key ? '' : ' (no key)'}`,
          null,
          `mutation($id: ID!, $a: Usd!, $k: String) { ${kind}(accountId: $id, amount: $a, idempotencyKey: $k) { id } }`,
          { id: who, a: usd(amount) },
          key,
          amount,
        );
      const cancel = (who: string, orderId: string, key: string) =>
        command(
          'cancel',
          `cancel ${orderId}`,
          who,
          `mutation($o: ID!, $k: String) { cancelOrder(orderId: $o, idempotencyKey: $k) { id } }`,
          { o: orderId },
          key,
        );
      const certify = (nodeId: string) =>
        command(
          'register',
          `certify ${nodeId}`,
          null,
          `mutation($n: ID!, $k: String) { markNodeCertified(nodeId: $n, tflopsPerGpu: 50, idempotencyKey: $k) { id } }`,
          { n: nodeId },
          `cert-${nodeId}`,
        );
      const register = (who: string): Command => {
        const nodeId = `${who}-n${nodes[who]!.length + 1}`;
        nodes[who]!.push(nodeId);
        const c = command(
          'register',
          `register ${nodeId}`,
          who,
          `mutation($i: RegisterNodeInput!, $k: String) { registerNode(input: $i, idempotencyKey: $k) { node { id } } }`,
          { i: { marketId: 'h100', gpuModel: 'H100-80GB', gpus: 1024, region: 'eu', nodeId } },
          `reg-${nodeId}`,
        );
        // Its answer holds a credential, shown once: a retry after a lost answer is told
        // IDEMPOTENCY_KEY_REUSED, naming the node the first one registered.
        const send = c.send;
        c.send = async (k) => {
          const r = await send(k);
          const e = r.errors?.[0]?.extensions;
          return e?.code === 'IDEMPOTENCY_KEY_REUSED' && e['nodeId'] === nodeId
            ? { data: { registerNode: { node: { id: nodeId } } } }
            : r;
        };
        return c;
      };
      const place = (who: string, input: Record<string, unknown>): Command => {
        const order: (typeof orders)[number] = { who, clientOrderId: `${who}-${commands.length}` };
        orders.push(order);
        return {
          ...command(
            'place',
            `place ${order.clientOrderId}`,
            who,
            `mutation($i: PlaceOrderInput!, $k: String) { placeOrder(input: $i, idempotencyKey: $k) { id } }`,
            { i: { ...input, clientOrderId: order.clientOrderId } },
            order.clientOrderId,
          ),
          summarize: (d) => (order.id = (d['placeOrder'] as { id: string }).id),
        };
      };
      const run = async (cmd: Command, chaos?: (typeof CHAOS)[number]) => {
        commands.push(cmd);
        // Settlement is killed before its step goes out, so that step is answered TIMEOUT however
        // fast the machine is; every other disturbance meets its step's request in flight.
        if (chaos === 'settlement') await m.service(chaos).stop('SIGKILL');
        const disturbed = chaos ? sleep(5).then(() => disturb(chaos)) : Promise.resolve();
        cmd.outcome = await settle(cmd);
        await disturbed;
      };
      const disturb = async (what: (typeof CHAOS)[number]) => {
        if (what === 'flush') await redis.flushall();
        else if (what === 'rebuild') for (const k of MODEL_KEYS) await redis.set(k.rebuildRequest, 'chaos');
        else {
          // Settlement, killed already (run), stays down longer than the gateway waits.
          if (what === 'settlement') await sleep(11_000);
          else await m.service(what).stop('SIGKILL');
          await m.service(what).start();
        }
        log(`${what} during ${commands.at(-1)!.name}`);
      };

      for (const b of BUYERS) await run(money('deposit', b, 150_000_000n, `seed-${b}`));
      for (const p of PROVIDERS) {
        await run(register(p));
        await run(certify(nodes[p]![0]!));
      }
      // The workload: nodes of 1024 GPUs never run out, so each step's outcome follows from the
      // steps before it, however long the leases take.
      for (let step = 0; step < STEPS; step++) {
        const who = r.pick([...BUYERS, ...PROVIDERS]);
        const x = r.next();
        const mine = orders.filter((o) => o.who === who && o.id);
        let cmd: Command;
        // A deposit without a key, while settlement is down: retried with the key its TIMEOUT names.
        if (CHAOS[step] === 'settlement') cmd = money('deposit', 'b1', 12_340_000n);
        else if (BUYERS.includes(who) && x < 0.15)
          // Keyless only where a broken connection (the gateway killed) cannot hide its outcome.
          cmd = money(
            'deposit',
            who,
            micros(`${r.int(1, 60)}.${r.int(10, 99)}`),
            r.next() < 0.5 || CHAOS[step] === 'gateway' ? `dep-${commands.length}` : undefined,
          );
        else if (BUYERS.includes(who) && x < 0.25)
          cmd = money('withdraw', who, micros(`${r.int(1, 200)}.00`), `wd-${commands.length}`);
        else if (x < 0.4 && mine.length) cmd = cancel(who, r.pick(mine).id!, `cx-${commands.length}`);
        else if (PROVIDERS.includes(who) && x < 0.45 && nodes[who]!.length < 2) {
          await run(register(who));
          cmd = certify(nodes[who]!.at(-1)!);
        } else if (BUYERS.includes(who)) {
          const price = r.pick(['1.80', '1.90', '1.95', '2.00', '2.05', '2.10']);
          const timeInForce = r.pick(['GTC', 'GTC', 'IOC', 'FOK']);
          cmd = place(who, {
            marketId: 'h100',
            side: 'BID',
            gpus: r.int(1, 3),
            hours: r.int(1, 2),
            price,
            timeInForce,
          });
        } else {
          const price = r.pick(['1.95', '2.00', '2.05', '2.10', '2.20', '2.30']);
          cmd = place(who, {
            marketId: 'h100',
            side: 'ASK',
            gpus: r.int(1, 4),
            hours: r.int(1, 3),
            price,
            nodeId: r.pick(nodes[who]!),
            timeInForce: r.pick(['GTC', 'GTC', 'IOC']),
          });
        }
        await run(cmd, CHAOS[step]);
      }
      const tally: Record<string, number> = {};
      for (const c of commands) {
        const k = `${c.kind} ${c.outcome!.ok ? 'ok' : (c.outcome as { code: string }).code}`;
        tally[k] = (tally[k] ?? 0) + 1;
      }
      log(
        `outcomes ${JSON.stringify(tally)}; retried ${JSON.stringify(commands.filter((c) => c.tries.length).map((c) => [c.name, c.tries]))}`,
      );

      // What the workload went through (the same on every run: its steps follow from the seed).
      expect(Object.keys(tally).sort()).toEqual(
        expect.arrayContaining([
          'cancel ORDER_NOT_OPEN',
          'cancel ok',
          'deposit ok',
          'place INSUFFICIENT_FUNDS',
          'place ok',
          'withdraw INSUFFICIENT_FUNDS',
          'withdraw ok',
        ]),
      );
      const keyless = commands.find((c) => c.name.endsWith('(no key)') && c.amount === 12_340_000n)!;
      expect(keyless.tries).toContain('TIMEOUT');
      expect(keyless.key).toBeDefined();
      // Every command has one outcome: the same again with its key.
      const again: string[] = [];
      for (const c of commands.filter((c) => c.key !== undefined && c.kind !== 'register')) {
        const o = await settle({ ...c, tries: [] });
        const same =
          o.ok && c.outcome!.ok
            ? c.kind === 'place' || o.summary === c.outcome!.summary
            : JSON.stringify(o) === JSON.stringify(c.outcome);
        if (!same) again.push(`${c.name}: ${JSON.stringify(c.outcome)}, then ${JSON.stringify(o)}`);
      }
      expect(again).toEqual([]);

      // The book, the orders and the fills agree.
      type Order = {
        id: string;
        status: string;
        side: string;
        price: string;
        gpus: number;
        filledGpus: number;
        cancelledGpus: number;
        remainingGpus: number;
      };
      const placed: Order[] = [];
      for (const o of orders.filter((o) => o.id)) {
        const d = await m.ok<{ order: Order | null }>(
          `query($id: ID!) { order(id: $id) { id status side price gpus filledGpus cancelledGpus remainingGpus } }`,
          { id: o.id },
        );
        expect(d.order).not.toBeNull();
        placed.push(d.order!);
      }
      const statusOf = (o: Order) =>
        o.remainingGpus > 0
          ? o.filledGpus > 0
            ? 'PARTIALLY_FILLED'
            : 'OPEN'
          : o.filledGpus === o.gpus
            ? 'FILLED'
            : 'CANCELLED';
      expect(
        placed.filter(
          (o) => o.filledGpus + o.cancelledGpus + o.remainingGpus !== o.gpus || o.status !== statusOf(o),
        ),
      ).toEqual([]);
      const levels = (side: string) => {
        const at = new Map<string, number>();
        for (const o of placed.filter((o) => o.side === side && o.remainingGpus > 0))
          at.set(o.price, (at.get(o.price) ?? 0) + o.remainingGpus);
        return [...at].sort(([a], [b]) => a.localeCompare(b));
      };
      const { book } = (
        await m.ok<{ market: { book: Record<'bids' | 'asks', { price: string; gpus: number }[]> } }>(
          `{ market(id: "h100") { book(depth: 50) { bids { price gpus } asks { price gpus } } } }`,
        )
      ).market;
      const shown = (xs: { price: string; gpus: number }[]) =>
        xs.map((x) => [x.price, x.gpus]).sort(([a], [b]) => String(a).localeCompare(String(b)));
      expect({ bids: shown(book.bids), asks: shown(book.asks) }).toEqual({
        bids: levels('BID'),
        asks: levels('ASK'),
      });

      type Page<T> = { edges: { node: T }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
      /** Every item of a connection, a page at a time: `who`'s own, or any account's as admin (who: null). */
      const all = async <T>(who: string | null, query: string, at: (d: never) => Page<T>, vars = {}) => {
        const out: T[] = [];
        for (let after: string | null = null; ;) {
          const page = at(await m.ok<never>(query, { ...vars, after }, who ? keys[who]! : m.adminKey));
          out.push(...page.edges.map((e) => e.node));
          if (!page.pageInfo.hasNextPage) return out;
          after = page.pageInfo.endCursor;
        }
      };
      const PAGE = 'pageInfo { endCursor hasNextPage }';
      type Fill = { orderId: string; tradeId: string; side: string; gpus: number; leaseId: string };
      const fills = (
        await Promise.all(
          [...BUYERS, ...PROVIDERS].map((who) =>
            all<Fill>(
              who,
              `query($after: String) { myFills(first: 100, after: $after) { edges { node { orderId tradeId side gpus leaseId } } ${PAGE} } }`,
              (d: { myFills: never }) => d.myFills,
            ),
          ),
        )
      ).flat();
      const filled = new Map<string, number>();
      for (const f of fills) filled.set(f.orderId, (filled.get(f.orderId) ?? 0) + f.gpus);
      expect(placed.filter((o) => (filled.get(o.id) ?? 0) !== o.filledGpus)).toEqual([]);
      const trades = (side: string) =>
        fills
          .filter((f) => f.side === side)
          .map((f) => `${f.tradeId} ${f.gpus}`)
          .sort();
      expect(new Set(trades('BID')).size).toBe(trades('BID').length);
      expect(trades('ASK')).toEqual(trades('BID'));

      // What rests is cancelled; every lease runs out and is paid.
      for (const o of placed.filter((o) => o.remainingGpus > 0)) {
        const owner = orders.find((x) => x.id === o.id)!.who;
        await run(cancel(owner, o.id, `final-${o.id}`));
      }
      const accounts = async () =>
        Object.fromEntries(
          await Promise.all(
            [...BUYERS, ...PROVIDERS, 'platform'].map(async (id) => {
              const d = await m.ok<{ account: Record<'balance' | 'held' | 'escrow', string> }>(
                `query($id: ID!) { account(id: $id) { balance held escrow } }`,
                { id },
              );
              return [id, d.account] as const;
            }),
          ),
        );
      const settled = async () => {
        const leases = (
          await Promise.all(
            BUYERS.map((b) =>
              all<{ status: string }>(
                b,
                `query($after: String) { myLeases(first: 100, after: $after) { edges { node { status } } ${PAGE} } }`,
                (d: { myLeases: never }) => d.myLeases,
              ),
            ),
          )
        ).flat();
        return (
          leases.every((l) => l.status !== 'ACTIVE') &&
          (await redis.hget(settlementReadModel.totals, 'clearing')) === '0' &&
          Object.values(await accounts()).every((a) => a.held === '0.000000' && a.escrow === '0.000000')
        );
      };
      for (const deadline = Date.now() + 60_000; !(await settled()) && Date.now() < deadline;)
        await sleep(250);
      const books = await accounts();
      expect(Object.values(books).every((a) => a.held === '0.000000' && a.escrow === '0.000000')).toBe(true);

      // The ledger balances to the micro-dollar, against what the client was told too.
      const totals = await redis.hgetall(settlementReadModel.totals);
      const told = (kind: string) =>
        commands.filter((c) => c.kind === kind && c.outcome!.ok).reduce((s, c) => s + c.amount!, 0n);
      expect({
        deposits: totals['deposits'],
        withdrawals: totals['withdrawals'],
        clearing: totals['clearing'],
      }).toEqual({
        deposits: String(told('deposit')),
        withdrawals: String(told('withdraw')),
        clearing: '0',
      });
      const sum = Object.values(books).reduce((s, a) => s + micros(a.balance), 0n);
      expect(sum).toBe(told('deposit') - told('withdraw'));
      expect(Object.entries(books).filter(([, a]) => a.balance.startsWith('-'))).toEqual([]);

      // Every hold (one per funded bid, named by its order) is released or taken by its leases, exactly.
      const orderOfLease = new Map(fills.filter((f) => f.side === 'BID').map((f) => [f.leaseId, f.orderId]));
      type Entry = { kind: string; held: string; reference: string | null };
      const holds = new Map<string, { holds: number; left: bigint }>();
      for (const b of BUYERS) {
        const entries = await all<Entry>(
          null,
          `query($id: ID!, $after: String) { account(id: $id) { ledger(first: 100, after: $after) { edges { node { kind held reference } } ${PAGE} } } }`,
          (d: { account: { ledger: never } }) => d.account.ledger,
          { id: b },
        );
        for (const e of entries) {
          const order = e.kind === 'LEASE' ? orderOfLease.get(e.reference!) : e.reference!;
          if (!['HOLD', 'RELEASE', 'LEASE'].includes(e.kind)) expect(e).toMatchObject({ held: '0.000000' });
          else {
            const h = holds.get(`${b} ${order}`) ?? { holds: 0, left: 0n };
            holds.set(`${b} ${order}`, {
              holds: h.holds + (e.kind === 'HOLD' ? 1 : 0),
              left: h.left + micros(e.held),
            });
          }
        }
      }
      expect(holds.size).toBeGreaterThan(0);
      expect([...holds].filter(([, h]) => h.holds !== 1 || h.left !== 0n)).toEqual([]);

      // The read models are those a refold of the log makes.
      const before = await settledModels(redis);
      expect(before.get(settlementReadModel.account('b1'))).toContain('"balance"');
      expect(before.get(ordersReadModel.market('h100'))).toContain('"OPEN"');
      await redis.flushall();
      for (const deadline = Date.now() + 60_000; !(await refolded(redis)) && Date.now() < deadline;)
        await sleep(100);
      expect(differences(before, await settledModels(redis))).toEqual([]);
    } finally {
      redis.disconnect();
      await m.stop();
    }
  }, 300_000);
});
