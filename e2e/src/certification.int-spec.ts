// Certification end to end (issue 5, docs/event-flows.md and docs/certification.md), through the real gateway on the real
// stack with the machine's real WebGPU adapter (lavapipe without a GPU):
//  (a) the real `gpu-worker join --once` certifies a registered node;
//  (b) cheaters (the worker's own client and prover with a twist) are all caught, and their nodes
//      stay uncertified: asks on them are refused;
//  (c) a provider sells on a node a real long-running worker certified, a buyer leases it, the
//      worker is killed: the node is declared lost within the window, the buyer is credited pro
//      rata to the minor unit and the node's open asks are cancelled;
//  (d) a worker that loses the gateway retries with backoff and joins again;
//  (e) nothing certifies or sells unchecked: a node that never joins cannot certify, a claim that
//      would park a challenge (or exceed the model's peak) is refused, a node that claims 8 GPUs
//      and has 1 is certified at an eighth of what it delivers, and revoking a credential mid-lease
//      suspends the node: its asks cancelled, its lease breached and the buyer credited;
//  (f) a challenge is sized from its claim: the smallest size for lavapipe's, products of
//      milliseconds for a data-centre GPU's, the largest size at most.
// The built services and gpu-worker are needed: npx nx run-many -t build.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  certifyHonestly,
  ChallengeFailedError,
  CHEATERS,
  CredentialRefusedError,
  GatewayClient,
  GatewayRequestError,
  GpuContext,
  keepAlive,
  MODEST_CLAIM_TFLOPS,
  openGpu,
  Outcome,
  prove,
  submit,
} from './support/cheaters';
import { Marketplace } from './support/marketplace';
import { challengeSizeFor } from '@gpux/certification';
import {
  CapacityCommands,
  capacityMessages,
  capacityReadModel,
  HEADERS,
  nodeHeartbeatKey,
  topic,
} from '@gpux/contracts';
import { commandMessage } from '@gpux/eventsourcing/testing';
import { infraEnv, readTopic } from '@gpux/testing';
import Redis from 'ioredis';
import { Kafka, Partitioners } from 'kafkajs';

const ROOT = resolve(__dirname, '../..');
const HEARTBEAT_INTERVAL_MS = 500;
const HEARTBEAT_TIMEOUT_MS = 3_000;
const WATCHDOG_INTERVAL_MS = 250;
/** A GPU-hour lasts a minute: the lease is still running when its worker dies. */
const HOUR_MS = 60_000;
const CONFIG = {
  GPU_HOUR_MS: String(HOUR_MS),
  LEASE_METER_INTERVAL_MS: '300',
  // Charged in arrears by more than a loss takes to be noticed: a breach finds nothing undelivered paid.
  LEASE_CHARGE_DELAY_MS: String(HEARTBEAT_TIMEOUT_MS + WATCHDOG_INTERVAL_MS + 1_500),
  HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS),
  HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
  WATCHDOG_INTERVAL_MS: String(WATCHDOG_INTERVAL_MS),
  SPOT_CHECK_INTERVAL_MS: '2000',
  CHALLENGE_SIZE: '512',
  CHALLENGE_MAX_SIZE: '4096',
  CHALLENGE_PRODUCT_MS: '5',
  // Batches sized for half a second at the claim (a spot check for a fifth): lavapipe is slow.
  CERT_TARGET_SECONDS: '0.5',
  SPOT_TARGET_SECONDS: '0.2',
};
/**
 * The gateway is configured apart from capacity, as an operator may leave it: what it tells a
 * worker (how often to heartbeat, how challenges are sized) is capacity's, recorded with the
 * session. Told this gateway's interval, a worker would beat once a minute and be lost in three
 * seconds.
 */
const GATEWAY_APART = {
  HEARTBEAT_INTERVAL_MS: '60000',
  HEARTBEAT_TIMEOUT_MS: '120000',
  CHALLENGE_SIZE: '2048',
  CHALLENGE_MAX_SIZE: '8192',
  CHALLENGE_PRODUCT_MS: '50',
};
/** The worker's one line for a refused credential, naming the gateway that refused it. */
const refused = (gateway: string) =>
  `gpu-worker: the node credential was refused by the gateway at ${gateway} (unknown there, revoked, or rotated since): run the worker with the node's current credential (rotateNodeCredential makes a new one), against the gateway that registered the node`;

const usd = (micros: number) => `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
const micros = (amount: string) => {
  const [whole, frac = ''] = amount.split('.');
  return Number(whole) * 1e6 + Number(frac.padEnd(6, '0'));
};

async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

type WorkerEvent = { event: string; [k: string]: unknown };

/** The built `gpu-worker join`, as a provider runs it. */
class Worker {
  readonly events: WorkerEvent[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn('node', ['infra/runtime/run.js', 'workers/gpu-worker', 'join', ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        try {
          this.events.push(JSON.parse(line) as WorkerEvent);
        } catch {
          this.events.push({ event: 'text', line });
        }
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((r) => this.child.once('exit', (code, signal) => r({ code, signal })));
  }

  find(predicate: (e: WorkerEvent) => boolean): WorkerEvent | undefined {
    return this.events.find(predicate);
  }

  waitFor(predicate: (e: WorkerEvent) => boolean, what: string, timeoutMs = 60_000): Promise<WorkerEvent> {
    return eventually(
      async () =>
        this.find(predicate) ??
        (this.child.exitCode !== null
          ? Promise.reject(
              new Error(`the worker exited (${this.child.exitCode}) before ${what}: ${this.stderr}`),
            )
          : undefined),
      what,
      timeoutMs,
      50,
    );
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

describe('certification through the gateway, on the real GPU adapter', () => {
  let m: Marketplace;
  let gpu: GpuContext;
  let dir: string;
  let provider: string;
  let buyer: string;
  const BUYER_DEPOSIT = 1_000_000_000;
  const workerEnv = () => ({ GPUX_AUTOTUNE_CACHE: join(dir, 'autotune.json') });

  const register = async (nodeId: string, gpus = 1) =>
    (
      await m.ok<{ registerNode: { node: { id: string; status: string }; credential: string } }>(
        `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { node { id status } credential } }`,
        { i: { marketId: 'lvp', gpuModel: 'L4', gpus, region: 'local', nodeId } },
        provider,
      )
    ).registerNode;
  /** Every field of a record of a node's certification history (CertificationRecord). */
  const CERTIFICATION =
    'kind recordedAt purpose challengeId precision method tflopsPerGpu tflopsF16PerGpu measuredTflops challengeSize efficiency tier expiresAt reason detail';
  /** The node, with its certification history (the first page, newest first: enough here). */
  const node = async (id: string) => {
    const n = (
      await m.ok<{
        gpuNode: {
          status: string;
          tflopsPerGpu: number | null;
          challengeSize: number | null;
          certifiedBy: string | null;
          suspendedReason: string | null;
          online: boolean;
          lastHeartbeatAt: string | null;
          certifications: { edges: { node: Record<string, unknown> }[]; pageInfo: { hasNextPage: boolean } };
        };
      }>(
        `query($id: ID!) { gpuNode(id: $id) { status tflopsPerGpu challengeSize certifiedBy suspendedReason online lastHeartbeatAt certifications: certificationRecords(first: 100) { edges { node { ${CERTIFICATION} } } pageInfo { hasNextPage } } } }`,
        { id },
        provider,
      )
    ).gpuNode;
    expect(n.certifications.pageInfo.hasNextPage).toBe(false);
    return { ...n, certifications: n.certifications.edges.map((e) => e.node) };
  };
  /**
   * A spot check written to capacity's log, as the watchdog issues one to a leased node; `data` is
   * the `issueChallenge` command's beyond the node and its purpose.
   */
  const issueSpotCheck = async (
    nodeId: string,
    data: { claimedTflops: number; seed: string; n?: number },
  ) => {
    const producer = new Kafka({
      clientId: `spot-${nodeId}`,
      brokers: infraEnv().KAFKA_BROKERS.split(','),
    }).producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({
        topic: topic('capacity', 'commands', m.namespace!).name,
        messages: [
          commandMessage(capacityMessages, {
            type: CapacityCommands.issueChallenge.type,
            subject: nodeId,
            data: { nodeId, purpose: 'spot', ...data },
          }),
        ],
      });
    } finally {
      await producer.disconnect();
    }
  };
  const ask = (nodeId: string, price: string, gpus = 1) =>
    m.gql<{ placeOrder: { id: string; status: string } }>(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`,
      { input: { marketId: 'lvp', side: 'ASK', gpus, hours: 1, price, nodeId } },
      provider,
    );
  /**
   * A certified node offers a GPU at 2.00 (once the market knows the certificate) and one at 3.00;
   * the buyer takes the first for an hour. Answers the ask left open.
   */
  const sellAndLease = async (nodeId: string, buyerKey = buyer) => {
    const sold = await eventually(async () => {
      const r = await ask(nodeId, '2.00');
      return r.errors?.[0]?.extensions?.code === 'TIMEOUT' ? undefined : r;
    }, 'the market to know the certification');
    expect(sold.data?.placeOrder.status).toBe('OPEN');
    const remaining = await ask(nodeId, '3.00');
    expect(remaining.data?.placeOrder.status).toBe('OPEN');
    const bid = await m.ok<{ placeOrder: { status: string } }>(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { status } }`,
      { input: { marketId: 'lvp', side: 'BID', gpus: 1, hours: 1, price: '2.00' } },
      buyerKey,
    );
    expect(bid.placeOrder.status).toBe('FILLED');
    return remaining;
  };
  type Lease = {
    status: string;
    value: string;
    fee: string;
    charged: string;
    refunded: string;
    nodeId: string;
    start: string;
    end: string;
  };
  /** The buyer's lease on a node, once it no longer runs (credited after a breach). */
  const endedLease = (nodeId: string) =>
    eventually(async () => {
      const r = await m.ok<{ myLeases: { edges: { node: Lease }[] } }>(
        `{ myLeases(first: 50) { edges { node { status value fee charged refunded nodeId start end } } } }`,
        {},
        buyer,
      );
      const l = r.myLeases.edges.map((e) => e.node).find((x) => x.nodeId === nodeId);
      return l && l.status !== 'ACTIVE' ? l : undefined;
    }, 'the lease to be credited');
  /**
   * What a lease had accrued by `t` (epoch ms; nothing before its start, all of it after its end),
   * its value and fee each floored, in micro-dollars.
   */
  const accruedBy = (lease: Lease, t: number) => {
    const [start, end] = [Date.parse(lease.start), Date.parse(lease.end)];
    const ran = Math.min(Math.max(t, start), end) - start;
    return [micros(lease.value), micros(lease.fee)].reduce(
      (sum, total) => sum + Number((BigInt(total) * BigInt(Math.floor(ran))) / BigInt(end - start)),
      0,
    );
  };
  /** A node's open ask once the market has cancelled it (its node suspended). */
  const cancelledAsk = (orderId: string) =>
    eventually(async () => {
      const o = await m.ok<{ order: { status: string; cancelReason: string | null } }>(
        `query($id: ID!) { order(id: $id) { status cancelReason } }`,
        { id: orderId },
        provider,
      );
      return o.order.status === 'CANCELLED' ? o.order : undefined;
    }, "the node's open ask to be cancelled");
  const credentialFile = async (name: string, credential: string) => {
    const file = join(dir, name);
    await writeFile(file, `${credential}\n`, { mode: 0o600 });
    return file;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gpux-certification-'));
    [m, gpu] = await Promise.all([Marketplace.start(CONFIG, { gateway: GATEWAY_APART }), openGpu()]);
    // lavapipe delivers a few hundredths of a TFLOP/s, less on the verifier's clock at n=512.
    await m.ok(
      `mutation { openMarket(input: { marketId: "lvp", gpuClass: "L4", minTflopsPerGpu: 0.00001, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    provider = await m.account('prov', ['provider']);
    buyer = await m.account('buyer', ['buyer'], usd(BUYER_DEPOSIT));
  }, 240_000);

  afterAll(async () => {
    gpu?.close();
    await m?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('(a) an honest worker certifies its node with a challenge on the GPU, and the node may then sell', async () => {
    const { node: registered, credential } = await register('honest');
    expect(registered.status).toBe('UNCERTIFIED');
    const started = Date.now();
    const worker = new Worker(
      [
        '--once',
        '--json',
        '--gateway',
        m.url,
        '--credential-file',
        await credentialFile('honest', credential),
      ],
      workerEnv(),
    );
    const { code } = await worker.exited;
    const took = Date.now() - started;
    expect({
      code,
      stderr: worker.stderr
        .split('\n')
        .filter((l) => !/^gpu-worker: \[autotune\]|^Warning:/.test(l) && l)
        .join('\n'),
    }).toEqual({ code: 0, stderr: '' });
    expect(worker.find((e) => e.event === 'adapter')).toMatchObject({
      adapter: { description: expect.any(String) },
    });
    expect(worker.find((e) => e.event === 'kernel')).toMatchObject({
      variant: expect.stringMatching(/^f32-/),
    });
    const claim = worker.find((e) => e.event === 'claim')!;
    expect(claim).toMatchObject({ source: 'measured', size: 512, safetyFactor: 0.5 });
    const verdict = worker.find((e) => e.event === 'verdict')!;
    expect(verdict).toMatchObject({ purpose: 'CERTIFICATION', ok: true, status: 'CERTIFIED' });
    const measured = verdict['measuredTflops'] as number;
    // On the verifier's clock: issue to commitment, through the log.
    expect(measured).toBeGreaterThan(0);

    const n = await node('honest');
    // Measured on products of the size its claim picked (the smallest, for lavapipe's claim).
    expect(n).toMatchObject({
      status: 'CERTIFIED',
      certifiedBy: 'challenge',
      tflopsPerGpu: measured,
      challengeSize: 512,
    });
    // The certificate on the node's record: measured by the challenge it names, at f32, graded
    // against the L4's peak.
    expect(n.certifications[0]).toMatchObject({
      kind: 'CERTIFIED',
      purpose: 'CERTIFICATION',
      challengeId: verdict['challengeId'],
      precision: 'f32',
      method: 'challenge',
      tflopsPerGpu: measured,
      challengeSize: 512,
      tier: expect.any(String),
      efficiency: expect.any(Number),
    });
    process.stderr.write(
      `(a) honest worker: certified at ${measured.toPrecision(3)} TFLOP/s (claimed ${(claim['claimTflops'] as number).toPrecision(3)}; GPU alone ${(claim['measuredTflops'] as number).toPrecision(3)}) in ${took} ms\n`,
    );
    const order = await eventually(async () => {
      const r = await ask('honest', '1.00');
      return r.errors?.[0]?.extensions?.code === 'TIMEOUT' ? undefined : r;
    }, 'the market to know the certification');
    expect(order.data?.placeOrder.status).toBe('OPEN');
    await m.ok(
      `mutation($o: ID!) { cancelOrder(orderId: $o) { status } }`,
      { o: order.data!.placeOrder.id },
      provider,
    );
  }, 180_000);

  it('(a) with --f16, f16 is certified apart after f32: its own claim, an f16 challenge, and the f32 figure kept', async () => {
    const { credential } = await register('half');
    const worker = new Worker(
      [
        '--once',
        '--json',
        '--f16',
        '--gateway',
        m.url,
        '--credential-file',
        await credentialFile('half', credential),
      ],
      workerEnv(),
    );
    expect((await worker.exited).code).toBe(0);
    expect(
      worker.stderr.split('\n').filter((l) => !/^gpu-worker: \[autotune\]|^Warning:/.test(l) && l),
    ).toEqual([]);
    expect(worker.events.filter((e) => e.event === 'claim').map((e) => e['precision'])).toEqual([
      'f32',
      'f16',
    ]);
    expect(worker.events.filter((e) => e.event === 'challenge').map((e) => e['precision'])).toEqual([
      'f32',
      'f16',
    ]);
    // It says which kernel answers each precision's challenges.
    expect(new Set(worker.events.filter((e) => e.event === 'kernel').map((e) => e['precision']))).toEqual(
      new Set(['f32', 'f16']),
    );
    const verdicts = worker.events.filter((e) => e.event === 'verdict');
    expect(verdicts).toMatchObject([
      { purpose: 'CERTIFICATION', precision: 'f32', ok: true, status: 'CERTIFIED' },
      { purpose: 'CERTIFICATION', precision: 'f16', ok: true, status: 'CERTIFIED' },
    ]);
    const [f32, f16] = verdicts.map((v) => v['measuredTflops'] as number);
    // Each verdict's per-GPU figure is of its own precision (the f16 one used to show f32's).
    expect(verdicts.map((v) => v['tflopsPerGpu'])).toEqual([f32, f16]);
    const n = await node('half');
    // One GPU: the per-GPU figures are what each challenge measured; f16 did not replace f32.
    expect(n.tflopsPerGpu).toBe(f32);
    const { gpuNode } = await m.ok<{ gpuNode: { tflopsF16PerGpu: number | null } }>(
      `query { gpuNode(id: "half") { tflopsF16PerGpu } }`,
      {},
      provider,
    );
    expect(gpuNode.tflopsF16PerGpu).toBe(f16);
    // Each certificate names the challenge that granted it and the precision it measured.
    expect(n.certifications.slice(0, 2)).toMatchObject([
      {
        kind: 'CERTIFIED',
        method: 'challenge',
        challengeId: verdicts[1]!['challengeId'],
        precision: 'f16',
        tflopsPerGpu: f32,
        tflopsF16PerGpu: f16,
      },
      {
        kind: 'CERTIFIED',
        method: 'challenge',
        challengeId: verdicts[0]!['challengeId'],
        precision: 'f32',
        tflopsPerGpu: f32,
        tflopsF16PerGpu: null,
      },
    ]);
    process.stderr.write(
      `(a) --f16: certified ${f32!.toPrecision(3)} f32 and ${f16!.toPrecision(3)} f16 TFLOP/s per GPU\n`,
    );
  }, 180_000);

  it.each(CHEATERS.map((c, i) => [c.name, i] as const))(
    '(b) a worker that %s is caught, and its node cannot sell',
    async (_name, index) => {
      const cheater = CHEATERS[index]!;
      const nodeId = `cheater-${index}`;
      const { credential } = await register(nodeId);
      const client = new GatewayClient(m.url, credential);
      const session = await keepAlive(client, `cheater ${index}`, HEARTBEAT_INTERVAL_MS);
      try {
        const outcomes: Outcome[] = await cheater.run(client, gpu);
        expect(outcomes.map((o) => ({ ok: o.ok, reason: o.reason }))).toEqual(
          cheater.expected.map((reason) => ({ ok: false, reason })),
        );
        for (const o of outcomes.filter((x) => x.stage === 'answer')) expect(o.status).toBe('UNCERTIFIED');
        const n = await node(nodeId);
        expect(n).toMatchObject({
          status: 'UNCERTIFIED',
          tflopsPerGpu: null,
          certifiedBy: null,
          online: true,
        });
        // Every failure is on the node's record with its reason.
        const recorded = n.certifications.filter((c) => c['kind'] === 'FAILED').map((c) => c['reason']);
        for (const reason of cheater.expected) expect(recorded).toContain(reason);
        const refused = await ask(nodeId, '1.00');
        expect(refused.errors?.[0]?.extensions).toMatchObject({
          code: 'NODE_NOT_CERTIFIED',
          field: 'input.nodeId',
        });
        process.stderr.write(
          `(b) ${cheater.name}: ${outcomes.map((o) => `${o.reason} at ${o.stage}`).join(', ')}\n`,
        );
      } finally {
        session.stop();
      }
    },
    120_000,
  );

  it('(b) a commitment or an opening sent after the watchdog failed its challenge is told CHALLENGE_FAILED with the reason recorded, not NOT_FOUND: its worker can tell its provider what failed', async () => {
    const nodeId = 'late-after-watchdog';
    const { credential } = await register(nodeId);
    const client = new GatewayClient(m.url, credential);
    const session = await keepAlive(client, 'e2e late after the watchdog', HEARTBEAT_INTERVAL_MS);
    try {
      // A claim lavapipe cannot meet (as the cheater's above): nothing is sent before the watchdog
      // fails the challenge at its deadline, as a worker paused past it (SIGSTOP, swapping) sends late.
      const { id, challenge } = await client.requestCertification(37);
      const failure = await eventually(
        async () =>
          (await node(nodeId)).certifications.find((c) => c['challengeId'] === id && c['kind'] === 'FAILED'),
        'the watchdog to fail the challenge',
      );
      expect(failure).toMatchObject({ reason: 'DEADLINE_MISSED' });
      const commitment = {
        challengeId: id,
        seed: challenge.seed,
        root: '0'.repeat(64),
        computeMs: 1,
        totalMs: 2,
      };
      const committed = await m.gql(
        `mutation($id: ID!, $c: JSON!) { commitChallenge(challengeId: $id, commitment: $c) }`,
        { id, c: commitment },
        credential,
      );
      expect(committed.errors?.[0]?.extensions).toEqual({
        code: 'CHALLENGE_FAILED',
        field: 'commitment',
        reason: 'DEADLINE_MISSED',
      });
      expect(committed.errors?.[0]?.message).toMatch(
        new RegExp(`^challenge ${id} failed already \\(recorded [^)]+\\): DEADLINE_MISSED: `),
      );
      // The worker's own client reads it as the failure it is, not as a session to join again.
      const late = await client.commitChallenge(id, commitment).then(
        () => null,
        (error: unknown) => error,
      );
      expect(late).toBeInstanceOf(ChallengeFailedError);
      expect(late).toMatchObject({ reason: 'DEADLINE_MISSED' });
      const opened = await m.gql(
        `mutation($id: ID!, $o: JSON!) { answerChallenge(challengeId: $id, opening: $o) { ok } }`,
        { id, o: { challengeId: id, leaves: [] } },
        credential,
      );
      expect(opened.errors?.[0]?.extensions).toEqual({
        code: 'CHALLENGE_FAILED',
        field: 'opening',
        reason: 'DEADLINE_MISSED',
      });
      // A challenge that is no failure of this node's is still NOT_FOUND.
      const unknown = await m.gql(
        `mutation($id: ID!, $c: JSON!) { commitChallenge(challengeId: $id, commitment: $c) }`,
        { id: 'ffff0000ffff0000', c: { ...commitment, challengeId: 'ffff0000ffff0000' } },
        credential,
      );
      expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'challengeId' });
    } finally {
      session.stop();
    }
  }, 60_000);

  it("(b) a worker joining a suspended node is told why (joinSession's suspendedReason): its asks were cancelled then", async () => {
    const { credential: first } = await register('suspended-then-joined');
    await m.ok(
      `mutation { markNodeCertified(nodeId: "suspended-then-joined", tflopsPerGpu: 0.001) { status } }`,
    );
    const revoked = await m.ok<{ revokeNodeCredential: { status: string; suspendedReason: string | null } }>(
      `mutation { revokeNodeCredential(nodeId: "suspended-then-joined") { status suspendedReason } }`,
      {},
      provider,
    );
    expect(revoked.revokeNodeCredential).toEqual({
      status: 'SUSPENDED',
      suspendedReason: 'CREDENTIAL_REVOKED',
    });
    const rotated = await m.ok<{ rotateNodeCredential: { credential: string } }>(
      `mutation { rotateNodeCredential(nodeId: "suspended-then-joined") { credential } }`,
      {},
      provider,
    );
    expect(rotated.rotateNodeCredential.credential).not.toBe(first);
    const client = new GatewayClient(m.url, rotated.rotateNodeCredential.credential);
    const joined = await client.joinSession('e2e suspended node');
    expect(joined).toMatchObject({
      status: 'SUSPENDED',
      suspendedReason: 'CREDENTIAL_REVOKED',
      marketStatus: 'OPEN',
    });
    await client.leaveSession(joined.sessionId);
  });

  it("(b) a worker joining a node whose market has closed is told so (joinSession's marketStatus): the node sells nothing more there", async () => {
    await m.ok(
      `mutation { openMarket(input: { marketId: "lvp-closing", gpuClass: "L4", minTflopsPerGpu: 0.00001, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    const { credential } = (
      await m.ok<{ registerNode: { credential: string } }>(
        `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { credential } }`,
        {
          i: {
            marketId: 'lvp-closing',
            gpuModel: 'L4',
            gpus: 1,
            region: 'local',
            nodeId: 'in-closing-market',
          },
        },
        provider,
      )
    ).registerNode;
    const client = new GatewayClient(m.url, credential);
    expect(await client.joinSession('e2e closing market')).toMatchObject({
      nodeId: 'in-closing-market',
      marketId: 'lvp-closing',
      marketStatus: 'OPEN',
    });
    await m.ok(`mutation { closeMarket(marketId: "lvp-closing") { status } }`);
    const joined = await eventually(async () => {
      const session = await client.joinSession('e2e closing market');
      return session.marketStatus === 'CLOSED' ? session : undefined;
    }, 'the orders model to know the market closed');
    expect(joined).toMatchObject({
      nodeId: 'in-closing-market',
      marketId: 'lvp-closing',
      marketStatus: 'CLOSED',
    });
    await client.leaveSession(joined.sessionId);
  });

  it('(b) asking for certification while a spot check waits to be fetched hands it out: its clock runs from the probe, so a provider cannot see one coming for free', async () => {
    const { credential } = await register('prober', 2);
    const client = new GatewayClient(m.url, credential);
    const alive = await keepAlive(client, 'e2e prober', HEARTBEAT_INTERVAL_MS);
    expect(await certifyHonestly(client, gpu, MODEST_CLAIM_TFLOPS)).toMatchObject({ ok: true });
    alive.stop();
    // From here the node is kept alive by its heartbeat key alone, written as the gateway writes
    // it: no heartbeat hands a spot check out.
    const redis = new Redis(m.redisUrl);
    const beat = () => redis.set(nodeHeartbeatKey('prober'), new Date().toISOString(), 'PX', 86_400_000);
    await beat();
    const beating = setInterval(() => void beat().catch(() => undefined), 200);
    try {
      // A buyer of its own: the spot check is left unanswered, and the lease it breaches is not
      // the other tests' buyer's to reconcile.
      await sellAndLease('prober', await m.account('probe-buyer', ['buyer'], usd(BUYER_DEPOSIT)));
      const pending = await eventually(
        async () => {
          const c = await redis.hgetall(capacityReadModel.challenge('prober'));
          return c['purpose'] === 'spot' ? c : undefined;
        },
        'a spot check for the leased node',
        30_000,
      );
      expect(pending['delivered']).toBeUndefined();
      const probedAt = Date.now();
      const refused = await client.requestCertification(MODEST_CLAIM_TFLOPS).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(GatewayRequestError);
      expect(refused).toMatchObject({
        code: 'ALREADY_EXISTS',
        message: expect.stringMatching(
          new RegExp(`^node prober is answering spot challenge ${pending['id']}, handed out now`),
        ),
      });
      expect(await redis.hget(capacityReadModel.challenge('prober'), 'delivered')).toBe('1');
      // The heartbeat that brings it gives it the clock the probe started.
      const ack = await client.heartbeat(alive.sessionId);
      expect(ack.challenge?.id).toBe(pending['id']);
      expect(ack.challenge?.challenge.issuedAt).toBeGreaterThanOrEqual(probedAt);
      expect(ack.challenge?.challenge.issuedAt).toBeLessThanOrEqual(Date.now());
    } finally {
      clearInterval(beating);
      redis.disconnect();
    }
  }, 90_000);

  it("(b) a provider watching its own node learns nothing of a spot check before its worker fetches it: its subscription is sent nothing at the check's issue", async () => {
    const { credential } = await register('watcher', 2);
    await m.ok('mutation { markNodeCertified(nodeId: "watcher", tflopsPerGpu: 0.001) { status } }');
    const client = new GatewayClient(m.url, credential);
    const { sessionId } = await client.joinSession('e2e watcher');
    // Kept alive by its heartbeat key alone, as in the test above: no heartbeat hands a check out.
    const redis = new Redis(m.redisUrl);
    const beat = () => redis.set(nodeHeartbeatKey('watcher'), new Date().toISOString(), 'PX', 86_400_000);
    await beat();
    const beating = setInterval(() => void beat().catch(() => undefined), 200);
    // Its provider watches it, as any provider may watch its own nodes.
    const ws = createClient({
      url: m.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${provider}` },
    });
    const seen: { status: string; lastHeartbeatAt: string | null }[] = [];
    const unsubscribe = ws.subscribe<{
      nodeStatusChanged: { status: string; lastHeartbeatAt: string | null };
    }>(
      { query: 'subscription { nodeStatusChanged(nodeId: "watcher") { status lastHeartbeatAt } }' },
      {
        next: (v) => void (v.data && seen.push(v.data.nodeStatusChanged)),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    try {
      await eventually(async () => seen[0], 'the node as it stands');
      await sellAndLease('watcher', await m.account('watch-buyer', ['buyer'], usd(BUYER_DEPOSIT)));
      const pending = await eventually(
        async () => {
          const c = await redis.hgetall(capacityReadModel.challenge('watcher'));
          return c['purpose'] === 'spot' ? c : undefined;
        },
        'a spot check for the leased node',
        30_000,
      );
      expect(pending['delivered']).toBeUndefined();
      clearInterval(beating);
      await redis.get(nodeHeartbeatKey('watcher'));
      // Its worker fetches it: the view sent after that delivery has this heartbeat's time.
      const ack = await client.heartbeat(sessionId);
      expect(ack.challenge?.id).toBe(pending['id']);
      const fetched = await redis.get(nodeHeartbeatKey('watcher'));
      const at = await eventually(async () => {
        const i = seen.findIndex((v) => v.lastHeartbeatAt === fetched);
        return i > 0 ? i : undefined;
      }, 'the node once its worker fetched the check');
      // Nothing came between the node as it stood and the node once the check was fetched: at its
      // issue a view differing in its heartbeat alone told the provider a check was coming.
      expect(seen.slice(1, at)).toEqual([]);
      expect(seen[at]).toEqual({ status: 'CERTIFIED', lastHeartbeatAt: fetched });
    } finally {
      clearInterval(beating);
      unsubscribe();
      await ws.dispose();
      redis.disconnect();
    }
  }, 90_000);

  it('(b) a certification kept in flight shows nothing of the spot check that ends it before the check is fetched, and a step of it hands the check out', async () => {
    const { credential } = await register('hider');
    await m.ok('mutation { markNodeCertified(nodeId: "hider", tflopsPerGpu: 0.001) { status } }');
    const client = new GatewayClient(m.url, credential);
    const { sessionId } = await client.joinSession('e2e hider');
    // Kept alive by its heartbeat key alone, as above: no heartbeat hands a check out.
    const redis = new Redis(m.redisUrl);
    const beat = () => redis.set(nodeHeartbeatKey('hider'), new Date().toISOString(), 'PX', 86_400_000);
    await beat();
    const beating = setInterval(() => void beat().catch(() => undefined), 200);
    try {
      // A certification its provider keeps in flight, never to answer it: the market's minimum, so
      // its one product takes long at the claim and the deadline is seconds away.
      const ticket = await client.requestCertification(0.00002);
      expect(ticket.challenge.deadline - Date.now()).toBeGreaterThan(5_000);
      // A spot check, as the watchdog issues one to a leased node (not leased here: the watchdog
      // issues none of its own).
      await issueSpotCheck('hider', { claimedTflops: 0.0008, seed: 'ab'.repeat(16) });
      const pending = await eventually(
        async () => {
          const c = await redis.hgetall(capacityReadModel.challenge('hider'));
          return c['purpose'] === 'spot' ? c : undefined;
        },
        'the spot check',
        30_000,
      );
      expect(pending['delivered']).toBeUndefined();
      // Its provider reads nothing of it: the certification it ended is not recorded yet. An
      // administrator's certificate names no challenge and no precision: it measured nothing.
      expect((await node('hider')).certifications).toEqual([
        expect.objectContaining({ kind: 'CERTIFIED', method: 'admin', challengeId: null, precision: null }),
      ]);
      // A step of that certification is refused, and hands the check out: its clock runs from here.
      const probedAt = Date.now();
      const refused = await client.answerChallenge(ticket.id, { challengeId: ticket.id, leaves: [] }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toMatchObject({
        code: 'NOT_FOUND',
        field: 'challengeId',
        message: expect.stringMatching(
          new RegExp(`^node hider is answering spot challenge ${pending['id']}, handed out now`),
        ),
      });
      expect(await redis.hget(capacityReadModel.challenge('hider'), 'delivered')).toBe('1');
      const ack = await client.heartbeat(sessionId);
      expect(ack.challenge?.id).toBe(pending['id']);
      expect(ack.challenge?.challenge.issuedAt).toBeGreaterThanOrEqual(probedAt);
      // Recorded once fetched.
      expect((await node('hider')).certifications).toEqual([
        expect.objectContaining({
          kind: 'FAILED',
          purpose: 'CERTIFICATION',
          challengeId: ticket.id,
          reason: 'SUPERSEDED',
          detail: `ended by spot challenge ${pending['id']}`,
        }),
        expect.objectContaining({ kind: 'CERTIFIED', method: 'admin' }),
      ]);
    } finally {
      clearInterval(beating);
      redis.disconnect();
    }
  }, 90_000);

  it('(b) racing its own steps gains nothing: of two commitments sent at once one is taken, of two openings one certifies, the other is refused', async () => {
    const { credential } = await register('racer');
    const client = new GatewayClient(m.url, credential);
    const alive = await keepAlive(client, 'e2e racer', HEARTBEAT_INTERVAL_MS);
    const settle = <T>(p: Promise<T>) =>
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    try {
      const ticket = await client.requestCertification(MODEST_CLAIM_TFLOPS);
      const proof = await prove(gpu, ticket.challenge);
      const commits = await Promise.all(
        [0, 1].map(() => settle(client.commitChallenge(ticket.id, proof.commitment))),
      );
      const taken = commits.flatMap((c) => ('value' in c ? [c.value] : []));
      expect(taken).toHaveLength(1);
      expect(commits.find((c) => 'error' in c)).toEqual({
        error: expect.objectContaining({ code: 'ALREADY_EXISTS', field: 'challengeId' }),
      });
      const opening = await proof.open(taken[0]!);
      const answers = await Promise.all([0, 1].map(() => settle(client.answerChallenge(ticket.id, opening))));
      const verdicts = answers.flatMap((a) => ('value' in a ? [a.value] : []));
      expect(verdicts).toEqual([expect.objectContaining({ challengeId: ticket.id, ok: true })]);
      expect(answers.find((a) => 'error' in a)).toEqual({
        error: expect.objectContaining({ code: 'NOT_FOUND', field: 'challengeId' }),
      });
      // One certificate, and no failure: the refused step changed nothing.
      expect((await node('racer')).certifications).toEqual([
        expect.objectContaining({ kind: 'CERTIFIED', method: 'challenge' }),
      ]);
    } finally {
      alive.stop();
    }
  }, 90_000);

  it("(b) a worker's credential reaches its own node only: another provider's node's session, challenge and credential are out of its reach", async () => {
    const { credential: mine } = await register('own-a');
    const other = await m.account('prov-b', ['provider']);
    const theirs = (
      await m.ok<{ registerNode: { credential: string } }>(
        `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { credential } }`,
        { i: { marketId: 'lvp', gpuModel: 'L4', gpus: 1, region: 'local', nodeId: 'other-b' } },
        other,
      )
    ).registerNode.credential;
    const attacker = new GatewayClient(m.url, mine);
    const victim = new GatewayClient(m.url, theirs);
    const mySession = await keepAlive(attacker, 'e2e own-a', HEARTBEAT_INTERVAL_MS);
    const theirSession = await keepAlive(victim, 'e2e other-b', HEARTBEAT_INTERVAL_MS);
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => 'answered',
        (error: unknown) => error,
      );
    try {
      const ticket = await victim.requestCertification(MODEST_CLAIM_TFLOPS);
      const proof = await prove(gpu, ticket.challenge);
      // Every step names the node of the credential: the other node's ids are unknown there.
      expect(await refusal(attacker.commitChallenge(ticket.id, proof.commitment))).toMatchObject({
        code: 'NOT_FOUND',
        field: 'challengeId',
      });
      expect(await refusal(attacker.leaveSession(theirSession.sessionId))).toMatchObject({
        code: 'NOT_FOUND',
        field: 'sessionId',
      });
      expect(await refusal(attacker.heartbeat(theirSession.sessionId))).toMatchObject({
        code: 'NOT_FOUND',
        field: 'sessionId',
      });
      // Nor may its provider rotate or revoke the other's credential.
      for (const op of [
        'rotateNodeCredential(nodeId: "other-b") { credential }',
        'revokeNodeCredential(nodeId: "other-b") { id }',
      ])
        expect((await m.gql(`mutation { ${op} }`, {}, provider)).errors?.[0]?.extensions).toMatchObject({
          code: 'FORBIDDEN',
          field: 'nodeId',
        });
      // The other node's session and challenge are as they were: its worker certifies it.
      expect(await submit(victim, ticket, proof.commitment, (r) => proof.open(r))).toMatchObject({
        ok: true,
        status: 'CERTIFIED',
      });
      expect((await victim.heartbeat(theirSession.sessionId)).status).toBe('CERTIFIED');
      expect((await node('own-a')).status).toBe('UNCERTIFIED');
    } finally {
      mySession.stop();
      theirSession.stop();
    }
  }, 90_000);

  it('(b) a forged credential and a revoked one are refused: the worker says so in one line and exits 3', async () => {
    const forged = `gpxn_${'forged0123456789'.repeat(2)}`;
    await expect(new GatewayClient(m.url, forged).joinSession()).rejects.toBeInstanceOf(
      CredentialRefusedError,
    );
    const forgedRun = new Worker(['--once', '--gateway', m.url], {
      ...workerEnv(),
      GPUX_NODE_CREDENTIAL: forged,
    });
    expect((await forgedRun.exited).code).toBe(3);
    expect(
      forgedRun.stderr.split('\n').filter((l) => l && !/^gpu-worker: \[autotune\]|^Warning:/.test(l)),
    ).toEqual([refused(m.url)]);

    const { credential } = await register('revoked');
    const client = new GatewayClient(m.url, credential);
    expect((await client.joinSession('before revocation')).nodeId).toBe('revoked');
    await m.ok(`mutation { revokeNodeCredential(nodeId: "revoked") { id status } }`, {}, provider);
    await expect(client.joinSession()).rejects.toBeInstanceOf(CredentialRefusedError);
    await expect(client.requestCertification(0.01)).rejects.toBeInstanceOf(CredentialRefusedError);
    const revokedRun = new Worker(
      [
        '--once',
        '--json',
        '--gateway',
        m.url,
        '--credential-file',
        await credentialFile('revoked', credential),
      ],
      workerEnv(),
    );
    expect((await revokedRun.exited).code).toBe(3);
    expect(revokedRun.stderr).toContain(refused(m.url));
    expect(revokedRun.find((e) => e.event === 'refused')).toBeDefined();
    expect(revokedRun.find((e) => e.event === 'verdict')).toBeUndefined();

    // Rotation gives a working credential; the revoked one stays refused.
    const rotated = await m.ok<{ rotateNodeCredential: { credential: string } }>(
      `mutation { rotateNodeCredential(nodeId: "revoked") { nodeId credential } }`,
      {},
      provider,
    );
    const renewed = new GatewayClient(m.url, rotated.rotateNodeCredential.credential);
    const session = await renewed.joinSession('after rotation');
    expect(session.nodeId).toBe('revoked');
    expect((await renewed.heartbeat(session.sessionId)).status).not.toBe('CERTIFIED');
    // An id joinSession never gave out is not called replaced (on which a worker stops for good).
    await expect(renewed.heartbeat('no-session')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      field: 'sessionId',
      reason: undefined,
      message: expect.stringMatching(/is no session joinSession gave out/),
    });
    await expect(client.joinSession()).rejects.toBeInstanceOf(CredentialRefusedError);
    expect(await node('revoked')).toMatchObject({ tflopsPerGpu: null, certifiedBy: null });
    expect((await ask('revoked', '1.00')).errors?.[0]?.extensions).toMatchObject({
      code: 'NODE_NOT_CERTIFIED',
    });
  }, 120_000);

  it('(b) two workers on one credential: the newest join holds the node, and the worker it replaced stops (exit 4) rather than take it back', async () => {
    const { credential } = await register('twins');
    const env = { ...workerEnv(), GPUX_NODE_CREDENTIAL: credential };
    const first = new Worker(['--json', '--gateway', m.url], env);
    let second: Worker | undefined;
    try {
      await first.waitFor(
        (e) => e.event === 'verdict' && e['purpose'] === 'CERTIFICATION' && e['ok'] === true,
        "the first worker's certification",
      );
      second = new Worker(['--json', '--gateway', m.url], env);
      await second.waitFor((e) => e.event === 'joined', "the second worker's join");
      expect((await first.exited).code).toBe(4);
      expect(first.find((e) => e.event === 'replaced')).toMatchObject({ nodeId: 'twins' });
      // The first neither joined again nor left: the node stays the second's, certified and online,
      // and the second never had to join again.
      expect(first.events.filter((e) => e.event === 'joined')).toHaveLength(1);
      expect(first.find((e) => e.event === 'left')).toBeUndefined();
      await new Promise((r) => setTimeout(r, 4 * HEARTBEAT_INTERVAL_MS));
      expect(await node('twins')).toMatchObject({ status: 'CERTIFIED', online: true });
      expect(second.events.filter((e) => e.event === 'joined')).toHaveLength(1);
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGKILL');
    }
  }, 120_000);

  it('(b) `join --once` beside a selling worker takes nothing: refused in one line (exit 5), the worker keeps its session and the node; --once --replace takes it over', async () => {
    const { credential } = await register('checked');
    const env = { ...workerEnv(), GPUX_NODE_CREDENTIAL: credential };
    const selling = new Worker(['--json', '--gateway', m.url], env);
    let check: Worker | undefined;
    let takeover: Worker | undefined;
    try {
      await selling.waitFor(
        (e) => e.event === 'verdict' && e['purpose'] === 'CERTIFICATION' && e['ok'] === true,
        "the selling worker's certification",
      );
      // A provider checks the node with --once while its worker runs: nothing is taken.
      check = new Worker(['--json', '--once', '--gateway', m.url], env);
      expect((await check.exited).code).toBe(5);
      expect(check.find((e) => e.event === 'joined')).toBeUndefined();
      const busy = check.find((e) => e.event === 'busy');
      expect(busy).toMatchObject({
        nodeId: 'checked',
        sessionStartedAt: expect.any(String),
        lastHeartbeatAt: expect.any(String),
      });
      expect(Date.parse(String(busy?.['sessionStartedAt']))).toBeLessThanOrEqual(Date.now());
      // As any client sees it: refused on the argument, with when the live session started and last beat.
      const refused = await m.gql<{ joinSession: { sessionId: string } | null }>(
        'mutation { joinSession(replace: false) { sessionId } }',
        {},
        credential,
      );
      expect(refused.data).toEqual({ joinSession: null });
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'ALREADY_EXISTS',
        field: 'replace',
        reason: 'SESSION_LIVE',
        nodeId: 'checked',
        sessionStartedAt: busy?.['sessionStartedAt'],
        heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      });
      expect(refused.errors?.[0]?.message).toMatch(
        /^node checked has a live session started .*: another worker runs as this node/,
      );
      // The selling worker never noticed: one join, never replaced, still heartbeating, the node
      // certified and online past its heartbeat timeout (lost, it would be suspended by now).
      await new Promise((r) => setTimeout(r, HEARTBEAT_TIMEOUT_MS + 2 * HEARTBEAT_INTERVAL_MS));
      expect(selling.find((e) => e.event === 'replaced')).toBeUndefined();
      expect(selling.events.filter((e) => e.event === 'joined')).toHaveLength(1);
      expect(await node('checked')).toMatchObject({
        status: 'CERTIFIED',
        online: true,
        suspendedReason: null,
      });
      // --replace takes the node over, as a join without --once does: the selling worker stops (exit 4).
      takeover = new Worker(['--json', '--once', '--replace', '--gateway', m.url], env);
      expect((await takeover.exited).code).toBe(0);
      expect(takeover.find((e) => e.event === 'certified')).toMatchObject({ status: 'CERTIFIED' });
      expect((await selling.exited).code).toBe(4);
      expect(selling.find((e) => e.event === 'replaced')).toMatchObject({ nodeId: 'checked' });
    } finally {
      selling.kill('SIGKILL');
      check?.kill('SIGKILL');
      takeover?.kill('SIGKILL');
    }
  }, 180_000);

  it("(b) a certified node's worker restarted without its tuning cache: a spot check that comes while it tunes stops the tuning, is answered at once and passes; the tuning goes on after it", async () => {
    const { credential } = await register('restarted', 2);
    const first = new Worker(['--json', '--gateway', m.url], {
      ...workerEnv(),
      GPUX_NODE_CREDENTIAL: credential,
    });
    let second: Worker | undefined;
    const redis = new Redis(m.redisUrl);
    try {
      await first.waitFor(
        (e) => e.event === 'verdict' && e['purpose'] === 'CERTIFICATION' && e['ok'] === true,
        "the first worker's certification",
      );
      // Restarted on a machine without its tuning cache (a fresh container): it joins, the node
      // still certified, and tunes its kernels at its spot checks' size, for seconds on lavapipe.
      // (It replaces the first worker, which stops: the node is never left without one.)
      second = new Worker(['--json', '--gateway', m.url], {
        GPUX_AUTOTUNE_CACHE: join(dir, 'restarted-autotune.json'),
        GPUX_NODE_CREDENTIAL: credential,
      });
      const joined = await second.waitFor((e) => e.event === 'joined', "the restarted worker's join");
      const joinedAt = Date.now();
      expect(joined).toMatchObject({ status: 'CERTIFIED', spotChallengeSize: 512 });
      expect((await first.exited).code).toBe(4);
      // A spot check issued now, as the watchdog issues one to a leased node (80 % of what the node
      // is certified for, rules/spot-claim.ts, at the size its certificate recorded), waits for the
      // restarted worker's next heartbeat (every HEARTBEAT_INTERVAL_MS): it comes while the worker
      // tunes, which takes seconds here. Waiting for the watchdog's own first draw after the lease
      // instead let a quiet machine finish the tuning first.
      const certified = await redis.hgetall(capacityReadModel.node('restarted'));
      await issueSpotCheck('restarted', {
        claimedTflops: 0.8 * Number(certified['tflopsF32']) * Number(certified['gpus']),
        n: Number(certified['challengeSize']),
        seed: 'cd'.repeat(16),
      });
      // Leased meanwhile (to a buyer of its own: the lease ends when the worker stops), the node is
      // spot-checked every second or two after it: the heartbeats it sends while it tunes bring them.
      await sellAndLease('restarted', await m.account('restart-buyer', ['buyer'], usd(BUYER_DEPOSIT)));
      const w = second;
      const spot = (e: WorkerEvent) => e.event === 'challenge' && e['purpose'] === 'SPOT';
      const tuned = (e: WorkerEvent) =>
        e.event === 'kernel' && e['precision'] === 'f32' && e['size'] === 512 && e['stopped'] === undefined;
      // The first spot check came while it tuned (tuning takes seconds here, and checks come every
      // second or two), and passed: its clock ran from the heartbeat that delivered it (1.25 × 0.2 s
      // + 1 s), far shorter than the tuning, so it was answered then, not once the tuning was done.
      const handed = await w.waitFor(spot, 'a spot check', 120_000);
      const isVerdict = (e: WorkerEvent) => e.event === 'verdict' && e['purpose'] === 'SPOT';
      // Its outcome: the worker's verdict, or the node breached for it (the answer came too late).
      const outcome = await eventually(
        async () => {
          const verdict = w.find((e) => isVerdict(e) && e['challengeId'] === handed['challengeId']);
          if (verdict) return { verdict, status: verdict['status'], suspendedReason: null };
          const n = await node('restarted');
          return n.status === 'CERTIFIED'
            ? undefined
            : { status: n.status, suspendedReason: n.suspendedReason };
        },
        'the first spot check to be decided',
        60_000,
      );
      expect(outcome).toMatchObject({ verdict: { ok: true }, status: 'CERTIFIED', suspendedReason: null });
      await w.waitFor(tuned, 'the tuning at the spot size to finish', 120_000);
      const tunedMs = Date.now() - joinedAt;
      const firstSpot = w.events.findIndex(spot);
      expect(w.events[firstSpot]).toBe(handed);
      expect(firstSpot).toBeLessThan(w.events.findIndex(tuned));
      // The tuning stopped for it, its kernel the fastest measured so far (or the default), and
      // went on after it.
      const stopped = w.find((e) => e.event === 'interrupted');
      expect(stopped).toMatchObject({ work: 'tuning', size: 512, by: handed['challengeId'] });
      expect(w.events.findIndex((e) => e.event === 'kernel' && e['stopped'] === true)).toBeLessThan(
        firstSpot,
      );
      // Every spot check so far passed: the node was never breached.
      const verdicts = w.events.filter(isVerdict);
      for (const v of verdicts) expect(v).toMatchObject({ ok: true, status: 'CERTIFIED' });
      expect(await node('restarted')).toMatchObject({
        status: 'CERTIFIED',
        suspendedReason: null,
        online: true,
      });
      process.stderr.write(
        `(b) restarted: tuned in ${tunedMs} ms, stopped ${w.events.filter((e) => e.event === 'interrupted').length} times; ${verdicts.length} spot checks passed\n`,
      );
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGKILL');
      redis.disconnect();
    }
  }, 240_000);

  it('(b) joinSession takes the adapter as one printable line: anything else is refused on its field, and the worker sends its own as one', async () => {
    const { credential } = await register('adapter-line');
    const JOIN = 'mutation($a: String) { joinSession(adapter: $a) { sessionId } }';
    for (const [adapter, says] of [
      ['GPU\nwith a line break', /adapter: must not hold control characters/],
      ['x'.repeat(257), /adapter: must have at most 256 characters/],
    ] as const) {
      const refused = await m.gql(JOIN, { a: adapter }, credential);
      expect(refused.data).toEqual({ joinSession: null });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'adapter' });
      expect(refused.errors?.[0]?.message).toMatch(says);
    }
    // What a driver may write there, made one line by the worker: the session starts.
    const client = new GatewayClient(m.url, credential);
    expect((await client.joinSession(`llvmpipe\n(LLVM)\t${'x'.repeat(400)}`)).nodeId).toBe('adapter-line');
  }, 60_000);

  it('(b) joinSession takes a proposed session id only in the form it gives out; the same id again, not replacing, resumes that session rather than find it live', async () => {
    const { credential } = await register('proposed-id');
    const JOIN =
      'mutation($s: ID, $r: Boolean! = true) { joinSession(sessionId: $s, replace: $r) { sessionId } }';
    // An id of another form: refused on its field, by the ID scalar where no id is like it (empty,
    // too long), else by the join, saying which form.
    for (const [bad, says] of [
      ['', /^sessionId is empty/],
      ['x'.repeat(300), /^sessionId is 300 characters long/],
      ['ses-not-a-uuid', /^sessionId must be ses- and a random UUID/],
      [`SES-${randomUUID()}`, /^sessionId must be ses- and a random UUID/],
      [`ses-${randomUUID()}x`, /^sessionId must be ses- and a random UUID/],
    ] as const) {
      const refused = await m.gql(JOIN, { s: bad }, credential);
      expect(refused.data?.joinSession ?? null).toBeNull();
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sessionId' });
      expect(refused.errors?.[0]?.message).toMatch(says);
    }
    // A worker's join under its own id (as `join --once` sends it), then the same again: a retry
    // whose first answer was lost. Not replacing, the session it started is its own, not live.
    const id = `ses-${randomUUID()}`;
    expect(await m.ok(JOIN, { s: id, r: false }, credential)).toEqual({ joinSession: { sessionId: id } });
    expect(await m.ok(JOIN, { s: id, r: false }, credential)).toEqual({ joinSession: { sessionId: id } });
    // Another id, not replacing, finds that session live (its beat fresh): refused, nothing changed.
    const other = await m.gql(JOIN, { s: `ses-${randomUUID()}`, r: false }, credential);
    expect(other.errors?.[0]?.extensions).toMatchObject({
      code: 'ALREADY_EXISTS',
      field: 'replace',
      reason: 'SESSION_LIVE',
      nodeId: 'proposed-id',
    });
    const redis = new Redis(m.redisUrl);
    try {
      expect(await redis.hget(capacityReadModel.node('proposed-id'), 'sessionId')).toBe(id);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it("(b) a commitment nested thousands deep is refused at the gateway, and one written straight to capacity's log is answered UNPROCESSABLE while capacity goes on", async () => {
    const { credential } = await register('deep-json');
    let deep: unknown = 1;
    for (let i = 0; i < 3_000; i++) deep = [deep];
    const COMMIT = 'mutation($c: JSON!) { commitChallenge(challengeId: "c1", commitment: $c) }';
    const asVariable = await m.gql(COMMIT, { c: { a: deep } }, credential);
    // Named by the argument the variable is for, as an inline value is.
    expect(asVariable.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'commitment' });
    expect(asVariable.errors?.[0]?.message).toMatch(/must nest at most 32 levels deep/);
    const inline = await m.gql(
      `mutation { commitChallenge(challengeId: "c1", commitment: {a: ${'['.repeat(3_000)}${']'.repeat(3_000)}}) }`,
      {},
      credential,
    );
    expect(inline.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });

    // The same command written to capacity's log by a producer that skips the contracts (before
    // they bounded it, one such command stopped capacity's command processor for good).
    const kafka = new Kafka({ clientId: 'deep-json', brokers: infraEnv().KAFKA_BROKERS.split(',') });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const data = { nodeId: 'deep-json', challengeId: 'c1', commitment: { a: 1 }, openSeed: '0'.repeat(32) };
    const sent = commandMessage(capacityMessages, {
      type: CapacityCommands.commitChallenge.type,
      subject: 'deep-json',
      data,
    });
    // And a message of a type capacity does not decide (a rejection, whose `command` is free JSON),
    // as deep: its fingerprint, taken to answer it, threw out of the transaction, for good.
    const rejected = {
      commandType: CapacityCommands.commitChallenge.type,
      code: 'UNPROCESSABLE',
      message: 'deep',
      command: { a: 1 },
    };
    const notDecided = commandMessage(capacityMessages, {
      type: 'capacity.CommandRejected',
      subject: 'deep-json',
      data: rejected,
    });
    await producer.send({
      topic: topic('capacity', 'commands', m.namespace!).name,
      messages: [
        { ...notDecided, value: JSON.stringify({ ...rejected, command: { a: deep } }) },
        { ...sent, value: JSON.stringify({ ...data, commitment: { a: deep } }) },
      ],
    });
    await producer.disconnect();
    const events = await readTopic(
      kafka,
      topic('capacity', 'events', m.namespace!).name,
      (rs) =>
        rs.filter((r) => r.value.includes('"code":"UNPROCESSABLE"') && r.value.includes('"deadLetter"'))
          .length >= 2,
      { timeoutMs: 30_000 },
    );
    const rejections = events
      .filter((r) => r.value.includes('"deadLetter"'))
      .map((r) => JSON.parse(r.value) as Record<string, unknown>);
    expect(rejections).toEqual([
      expect.objectContaining({
        commandType: 'capacity.CommandRejected',
        code: 'UNPROCESSABLE',
        message: expect.stringMatching(/is not a command this service handles$/),
      }),
      expect.objectContaining({
        commandType: CapacityCommands.commitChallenge.type,
        code: 'UNPROCESSABLE',
        message: expect.stringMatching(/must nest at most 32 levels deep/),
      }),
    ]);
    // The operator reads them, with why and from where (what UNPROCESSABLE tells a client to ask for).
    if (m.namespace) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [resolve(__dirname, '../../infra/scripts/dead-letters.js'), 'capacity'],
        {
          env: { ...process.env, TOPIC_NAMESPACE: m.namespace, KAFKA_BROKERS: infraEnv().KAFKA_BROKERS },
          timeout: 60_000,
        },
      );
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.at(-1)).toEqual({ deadLetters: 2, services: ['capacity'] });
      const commands = topic('capacity', 'commands', m.namespace).name;
      expect(lines.slice(0, -1)).toEqual([
        expect.objectContaining({
          topic: topic('capacity', 'dead-letter', m.namespace).name,
          reason: expect.any(String),
          from: expect.objectContaining({ topic: commands }),
        }),
        expect.objectContaining({
          reason: expect.stringMatching(/must nest at most 32 levels deep/),
          from: expect.objectContaining({ topic: commands }),
        }),
      ]);
    }
    // Capacity decides the next command on the same node's partition, and the next one anywhere.
    expect(
      (
        await m.ok<{ markNodeCertified: { status: string } }>(
          'mutation { markNodeCertified(nodeId: "deep-json", tflopsPerGpu: 1) { status } }',
        )
      ).markNodeCertified.status,
    ).toBe('CERTIFIED');
    expect((await new GatewayClient(m.url, credential).joinSession('after')).nodeId).toBe('deep-json');
  }, 90_000);

  it('(b) a commitment larger than a command may be once recorded is refused with the argument at fault, and nothing is recorded', async () => {
    const { credential } = await register('huge-json');
    // 1e20 takes 4 bytes in the request and 21 once recorded: a request under the gateway's 1 MB
    // makes a command of 4 MB, which the broker would refuse (the caller saw an internal error).
    const numbers = Array.from({ length: 190_000 }, () => '1e20').join(',');
    const body = `{"query":"mutation($c: JSON!) { commitChallenge(challengeId: \\"c1\\", commitment: $c) }","variables":{"c":{"a":[${numbers}]}}}`;
    expect(body.length).toBeLessThan(1_000_000);
    const response = await fetch(m.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body,
    });
    const answer = (await response.json()) as {
      errors?: { message: string; extensions?: Record<string, unknown> }[];
      data?: unknown;
    };
    expect(answer.data).toEqual({ commitChallenge: null });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'commitment' });
    expect(answer.errors?.[0]?.message).toMatch(
      /^the request is \d+ bytes once recorded, more than the 999939 a command may be: send less in commitment$/,
    );
    // Nothing reached capacity: the node's next command, its session, is decided as ever, and
    // no outcome of a commitment is recorded for the node.
    expect((await new GatewayClient(m.url, credential).joinSession('after')).nodeId).toBe('huge-json');
    const kafka = new Kafka({ clientId: 'huge-json', brokers: infraEnv().KAFKA_BROKERS.split(',') });
    const events = await readTopic(
      kafka,
      topic('capacity', 'events', m.namespace!).name,
      (rs) =>
        rs.some(
          (r) => r.headers[HEADERS.type] === 'capacity.SessionStarted' && r.value.includes('"huge-json"'),
        ),
      { timeoutMs: 30_000 },
    );
    expect(
      events.filter((r) => r.value.includes('"huge-json"') && r.value.includes('CommitChallenge')),
    ).toEqual([]);
  }, 60_000);

  it('(c) a certified node sells, its worker dies mid-lease: lost within the window, the buyer credited to the minor unit, its asks cancelled', async () => {
    const { credential } = await register('seller', 2);
    const worker = new Worker(['--json', '--gateway', m.url], {
      ...workerEnv(),
      GPUX_NODE_CREDENTIAL: credential,
    });
    try {
      const certified = await worker.waitFor(
        (e) => e.event === 'verdict' && e['purpose'] === 'CERTIFICATION',
        'the certification verdict',
      );
      expect(certified).toMatchObject({ ok: true, status: 'CERTIFIED' });
      expect(await node('seller')).toMatchObject({ status: 'CERTIFIED', online: true });

      const remaining = await sellAndLease('seller');

      // While leased it keeps proving: spot challenges come with heartbeats and are answered at once.
      const spot = await worker.waitFor(
        (e) => e.event === 'verdict' && e['purpose'] === 'SPOT',
        'a spot challenge to be answered',
        30_000,
      );
      expect(spot).toMatchObject({ ok: true, status: 'CERTIFIED' });
      // Its clock started when the heartbeat handed it out (capacity's rules/delivery.ts): the
      // worker was given 1.25 × its compute time at the claim (about SPOT_TARGET_SECONDS) + 1 s,
      // not the heartbeat interval more that its deadline at issue allowed for the wait.
      const handed = worker.find(
        (e) => e.event === 'challenge' && e['purpose'] === 'SPOT' && e['challengeId'] === spot['challengeId'],
      );
      expect(handed?.['allowedMs']).toBeGreaterThan(1_000);
      expect(handed?.['allowedMs']).toBeLessThan(1_000 + HEARTBEAT_INTERVAL_MS);

      worker.kill('SIGKILL');
      const killedAt = Date.now();
      await worker.exited;
      const lost = await eventually(
        async () => {
          const n = await node('seller');
          return n.status === 'SUSPENDED' || n.status === 'LOST' ? n : undefined;
        },
        'the node to be declared lost',
        HEARTBEAT_TIMEOUT_MS + 20_000,
        50,
      );
      const detectedMs = Date.now() - killedAt;
      expect(lost).toMatchObject({ suspendedReason: 'NODE_LOST', online: false });
      // The window, a watchdog pass, and the log and projections between them.
      expect(detectedMs).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + WATCHDOG_INTERVAL_MS + 3_000);

      const lease = await endedLease('seller');
      const creditedSeenAt = Date.now();
      expect(lease.status).toBe('CREDITED');
      expect(micros(lease.value)).toBe(2_000_000);
      expect(micros(lease.fee)).toBe(50_000);
      expect(micros(lease.refunded)).toBeGreaterThan(0);
      expect(micros(lease.charged)).toBeGreaterThan(0);
      expect(micros(lease.refunded) + micros(lease.charged)).toBe(micros(lease.value) + micros(lease.fee));
      // Pro rata, to the minor unit: the provider is paid what accrued (value and fee each,
      // floored) until the node's last heartbeat, and the buyer gets the rest back.
      const [start, lastBeat] = [Date.parse(lease.start), Date.parse(lost.lastHeartbeatAt ?? '')];
      const accrued = (t: number) => accruedBy(lease, t);
      expect(micros(lease.charged)).toBe(accrued(lastBeat));
      process.stderr.write(
        `(c) lease ran ${killedAt - start} ms before the kill; charged ${micros(lease.charged)} µ$: accrued by the last heartbeat ${accrued(lastBeat)}, by the kill ${accrued(killedAt)}, by the credit ${accrued(creditedSeenAt)}\n`,
      );
      const balances = await eventually(async () => {
        const a = (
          await m.ok<{ account: { balance: string; held: string; escrow: string } }>(
            `query { account(id: "buyer") { balance held escrow } }`,
          )
        ).account;
        return a.escrow === '0.000000' ? a : undefined;
      }, "the buyer's escrow to be settled");
      expect(balances).toEqual({
        balance: usd(BUYER_DEPOSIT - micros(lease.charged)),
        held: '0.000000',
        escrow: '0.000000',
      });

      const cancelled = await cancelledAsk(remaining.data!.placeOrder.id);
      expect(cancelled.status).toBe('CANCELLED');
      expect((await ask('seller', '2.00')).errors?.[0]?.extensions).toMatchObject({
        code: 'NODE_NOT_CERTIFIED',
      });
      process.stderr.write(
        `(c) lost ${detectedMs} ms after SIGKILL (window ${HEARTBEAT_TIMEOUT_MS} ms); lease of ${lease.value}+${lease.fee}: charged ${lease.charged}, refunded ${lease.refunded}; ask ${cancelled.cancelReason ?? ''}\n`,
      );
    } finally {
      worker.kill('SIGKILL');
    }
  }, 240_000);
  it('(c) a worker stopped mid-lease (SIGTERM) leaves its session: the node stops selling at once, not a heartbeat window later; the buyer credited from then', async () => {
    const { credential } = await register('leaver', 2);
    const worker = new Worker(['--json', '--gateway', m.url], {
      ...workerEnv(),
      GPUX_NODE_CREDENTIAL: credential,
    });
    try {
      const certified = await worker.waitFor(
        (e) => e.event === 'verdict' && e['purpose'] === 'CERTIFICATION',
        'the certification verdict',
      );
      expect(certified).toMatchObject({ ok: true, status: 'CERTIFIED' });
      const remaining = await sellAndLease('leaver');
      expect(await node('leaver')).toMatchObject({ status: 'CERTIFIED', online: true });

      const stoppedAt = Date.now();
      worker.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
      const exitedAt = Date.now();
      expect(worker.find((e) => e.event === 'left')).toMatchObject({
        status: 'SUSPENDED',
        suspendedReason: 'NODE_LEFT',
      });
      // Read as the worker exits: a lost node would still read online and CERTIFIED for a window.
      expect(await node('leaver')).toMatchObject({
        status: 'SUSPENDED',
        suspendedReason: 'NODE_LEFT',
        online: false,
      });

      const lease = await endedLease('leaver');
      expect(lease.status).toBe('CREDITED');
      expect(micros(lease.refunded) + micros(lease.charged)).toBe(micros(lease.value) + micros(lease.fee));
      // The provider is paid what accrued until the worker left (decided between the signal and
      // the worker's exit), to the minor unit; the buyer gets the rest back.
      expect(micros(lease.charged)).toBeGreaterThanOrEqual(accruedBy(lease, stoppedAt));
      expect(micros(lease.charged)).toBeLessThanOrEqual(accruedBy(lease, exitedAt));

      const cancelled = await cancelledAsk(remaining.data!.placeOrder.id);
      expect(cancelled.cancelReason).toBe('NODE_SUSPENDED');
      expect((await ask('leaver', '2.00')).errors?.[0]?.extensions).toMatchObject({
        code: 'NODE_NOT_CERTIFIED',
      });
      process.stderr.write(
        `(c) left ${exitedAt - stoppedAt} ms after SIGTERM (lost would take ${HEARTBEAT_TIMEOUT_MS} ms); lease of ${lease.value}+${lease.fee}: charged ${lease.charged}, refunded ${lease.refunded}\n`,
      );
    } finally {
      worker.kill('SIGKILL');
    }
  }, 240_000);

  it('(e) nothing certifies or sells unchecked: no session, a parking or impossible claim, 8 GPUs claimed on 1, a credential revoked mid-lease', async () => {
    // Never joined: nothing would watch it, so it cannot certify.
    const loner = new GatewayClient(m.url, (await register('loner')).credential);
    await expect(loner.requestCertification(MODEST_CLAIM_TFLOPS)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      field: 'nodeId',
    });

    const { credential } = await register('octo', 8);
    const client = new GatewayClient(m.url, credential);
    const session = await keepAlive(client, 'one GPU, eight declared', HEARTBEAT_INTERVAL_MS);
    try {
      // The session says what the market requires of its eight GPUs (a claim below it is refused),
      // and how capacity sizes its challenges and watches the session (recorded by capacity when
      // the session started), not the gateway's own configuration.
      expect(session.session.requiredTflops).toBeCloseTo(0.00001 * 8, 12);
      expect(session.session).toMatchObject({
        heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
        challengeSize: Number(CONFIG.CHALLENGE_SIZE),
        challengeMaxSize: Number(CONFIG.CHALLENGE_MAX_SIZE),
        challengeProductMs: Number(CONFIG.CHALLENGE_PRODUCT_MS),
      });
      // A claim so low its challenge would take hours, and one above 1.25 × eight L4s' peak.
      await expect(client.requestCertification(1e-9)).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'claimedTflops',
      });
      await expect(client.requestCertification(1.25 * 30.3 * 8 + 1)).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'claimedTflops',
      });
      expect((await node('octo')).certifications).toEqual([]);

      // It proves what its one GPU delivers: the certificate is that over the eight it declared.
      const outcome = await certifyHonestly(client, gpu, MODEST_CLAIM_TFLOPS);
      expect(outcome).toMatchObject({ ok: true, status: 'CERTIFIED' });
      const certified = await node('octo');
      expect(certified.tflopsPerGpu).toBeCloseTo(outcome.measuredTflops! / 8, 12);

      // It sells, a buyer leases a GPU, and its provider revokes the credential mid-lease.
      const remaining = await sellAndLease('octo');
      await m.ok(`mutation { revokeNodeCredential(nodeId: "octo") { id } }`, {}, provider);

      const suspended = await eventually(async () => {
        const n = await node('octo');
        return n.status === 'SUSPENDED' ? n : undefined;
      }, 'the node to be suspended');
      expect(suspended).toMatchObject({ suspendedReason: 'CREDENTIAL_REVOKED' });
      const lease = await endedLease('octo');
      expect(lease.status).toBe('CREDITED');
      expect(micros(lease.refunded)).toBeGreaterThan(0);
      expect(micros(lease.refunded) + micros(lease.charged)).toBe(micros(lease.value) + micros(lease.fee));
      const cancelled = await cancelledAsk(remaining.data!.placeOrder.id);
      expect(cancelled.status).toBe('CANCELLED');
      expect((await ask('octo', '2.00')).errors?.[0]?.extensions).toMatchObject({
        code: 'NODE_NOT_CERTIFIED',
      });
    } finally {
      session.stop();
    }
  }, 180_000);

  it('(f) a challenge is sized from its claim: the smallest size for a slow GPU, products of milliseconds for a fast one, the largest at most', async () => {
    for (const [nodeId, claim, expected] of [
      ['sized-slow', MODEST_CLAIM_TFLOPS, 512],
      // An L4's f32 with today's kernels: 1.1 ms a product at 1024, 8.6 at 2048.
      ['sized-fast', 2, 2048],
      // Past the largest size (0.7 ms a product at 4096): the largest.
      ['sized-fastest', 30, 4096],
    ] as const) {
      const client = new GatewayClient(m.url, (await register(nodeId)).credential);
      const session = await client.joinSession('sized');
      const sizing = {
        minSize: session.challengeSize,
        maxSize: session.challengeMaxSize,
        productMs: session.challengeProductMs,
      };
      if (!Marketplace.external) expect(sizing).toEqual({ minSize: 512, maxSize: 4096, productMs: 5 });
      const ticket = await client.requestCertification(claim);
      expect(ticket.challenge.n).toBe(challengeSizeFor(claim, sizing));
      // Asked again while it is answered: refused, naming no field (the node is the credential's,
      // not an argument; extensions.field was nodeId, which requestCertification does not take).
      const again = await client.requestCertification(claim).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(GatewayRequestError);
      expect(again).toMatchObject({ code: 'ALREADY_EXISTS', field: undefined });
      if (!Marketplace.external) expect(ticket.challenge.n).toBe(expected);
      // Batched for the target time (CERT_TARGET_SECONDS) at the claim, as at any size.
      const productMs = ((2 * ticket.challenge.n ** 3) / (claim * 1e12)) * 1000;
      if (!Marketplace.external)
        expect(ticket.challenge.products).toBe(Math.max(1, Math.round(500 / productMs)));
    }
  });

  it('(c) capacity down for longer than twice the timeout: a worker that died meanwhile is lost as of its last heartbeat, not of the restart', async () => {
    if (Marketplace.external) return; // it stops capacity
    const { credential } = await register('outage', 2);
    const worker = new Worker(['--json', '--gateway', m.url], {
      ...workerEnv(),
      GPUX_NODE_CREDENTIAL: credential,
    });
    let capacityDown = false;
    try {
      await worker.waitFor((e) => e.event === 'verdict' && e['ok'] === true, 'the certification');
      await sellAndLease('outage');
      // The lease runs, and the worker is heard from during it, before capacity goes down.
      const leasedAt = Date.now();
      await eventually(async () => {
        const beat = Date.parse((await node('outage')).lastHeartbeatAt ?? '');
        return beat > leasedAt + 2 * HEARTBEAT_INTERVAL_MS ? beat : undefined;
      }, 'a heartbeat well into the lease');
      await m.service('capacity').stop();
      capacityDown = true;
      worker.kill('SIGKILL');
      const killedAt = Date.now();
      await worker.exited;
      // Past the life of a heartbeat kept only twice the timeout (what the watchdog read before).
      await new Promise((r) => setTimeout(r, 2 * HEARTBEAT_TIMEOUT_MS + 1_000));
      await m.service('capacity').start();
      capacityDown = false;
      const lost = await eventually(async () => {
        const n = await node('outage');
        return n.status === 'SUSPENDED' ? n : undefined;
      }, 'the node to be declared lost');
      expect(lost).toMatchObject({ suspendedReason: 'NODE_LOST', online: false });
      expect(Date.parse(lost.lastHeartbeatAt ?? '')).toBeLessThanOrEqual(killedAt);
      // Its breach (what its leases are credited from) is dated at that heartbeat.
      const redis = new Redis(m.redisUrl);
      try {
        expect(await redis.hget(capacityReadModel.node('outage'), 'suspendedAt')).toBe(lost.lastHeartbeatAt);
      } finally {
        redis.disconnect();
      }
      // Capacity was down for longer than the meter charges in arrears (LEASE_CHARGE_DELAY_MS), so
      // its breach came late: the buyer still paid only for what the node delivered until that
      // heartbeat, to the minor unit (the meter charges a watched node no further than its last one).
      const lease = await endedLease('outage');
      expect(lease.status).toBe('CREDITED');
      expect(micros(lease.refunded) + micros(lease.charged)).toBe(micros(lease.value) + micros(lease.fee));
      expect(micros(lease.charged)).toBeGreaterThan(0);
      expect(micros(lease.charged)).toBe(accruedBy(lease, Date.parse(lost.lastHeartbeatAt ?? '')));
    } finally {
      worker.kill('SIGKILL');
      await worker.exited;
      if (capacityDown) await m.service('capacity').start();
    }
  });

  it('(d) a worker that loses the gateway retries with backoff, joins again, and recertifies if it was declared lost meanwhile', async () => {
    if (Marketplace.external) return; // it restarts the gateway
    const { credential } = await register('phoenix');
    const worker = new Worker(['--json', '--gateway', m.url], {
      ...workerEnv(),
      GPUX_NODE_CREDENTIAL: credential,
    });
    try {
      await worker.waitFor((e) => e.event === 'verdict' && e['ok'] === true, 'the first certification');
      const joinedBefore = worker.events.filter((e) => e.event === 'joined').length;
      await m.service('gateway').stop();
      const downAt = Date.now();
      const retries = () => worker.events.filter((e) => e.event === 'retry');
      await eventually(async () => retries().length >= 2, 'two retries while the gateway is down', 20_000);
      expect(
        retries()
          .slice(0, 2)
          .map((e) => e['attempt']),
      ).toEqual([1, 2]);
      // 1 s then 2 s, each within ±20 %.
      const [first, second] = retries().map((e) => e['delayMs'] as number);
      expect(first).toBeGreaterThanOrEqual(800);
      expect(first).toBeLessThanOrEqual(1200);
      expect(second).toBeGreaterThanOrEqual(1600);
      expect(second).toBeLessThanOrEqual(2400);
      // Refused, a request in flight as it stopped (reset by the kernel, or closed by the server:
      // undici's UND_ERR_SOCKET, seen once in a run) or a 5xx while it shut down.
      expect(retries()[0]!['error']).toMatch(
        /^the gateway at \S+ (did not answer \((ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)\)|answered HTTP 5\d\d)/,
      );
      await m.service('gateway').start();
      const downMs = Date.now() - downAt;
      const rejoined = await worker
        .waitFor(
          () => worker.events.filter((e) => e.event === 'joined').length > joinedBefore,
          'the worker to join again',
          60_000,
        )
        .then(() => worker.events.filter((e) => e.event === 'joined')[joinedBefore]!);
      const back = await eventually(
        async () => {
          const n = await node('phoenix');
          return n.status === 'CERTIFIED' && n.online ? n : undefined;
        },
        'the node to be certified and online again',
        60_000,
        200,
      );
      expect(back).toMatchObject({ certifiedBy: 'challenge', suspendedReason: null });
      // Joining again, it is told the size of its spot checks (its certificate's) to tune for first.
      expect(rejoined).toMatchObject({ spotChallengeSize: 512 });
      const certifications = () =>
        worker.events.filter(
          (e) => e.event === 'verdict' && e['purpose'] === 'CERTIFICATION' && e['ok'] === true,
        );
      // Down longer than the heartbeat window, the node was declared lost and suspended: the worker
      // certified it again. The read model can show the node certified before the worker has
      // printed the verdict it was answered (the projection applies the event while the answer is
      // on its way back), so the worker's report is waited for, not assumed to be there already.
      if (rejoined['status'] === 'SUSPENDED') {
        await worker.waitFor(
          () => certifications().length >= 2,
          'the worker to report its second certification',
          30_000,
        );
        expect(certifications()).toHaveLength(2);
      } else expect(rejoined['status']).toBe('CERTIFIED');
      const verdicts = certifications();
      process.stderr.write(
        `(d) gateway down ${downMs} ms; ${retries().length} retries (${retries()
          .map((e) => e['delayMs'])
          .join(', ')} ms); re-joined as ${String(rejoined['status'])}; ${verdicts.length} certifications\n`,
      );
    } finally {
      worker.kill('SIGTERM');
      const { code } = await worker.exited;
      expect(code).toBe(0);
    }
  }, 180_000);
});
