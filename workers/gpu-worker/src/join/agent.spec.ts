// The agent's decisions, with a scripted client and prover (the GPU and the gateway are exercised
// in the int and e2e tests): when it certifies, what it claims, how it retries, when it stops.
import type { Challenge, Opening, OpenRequest } from '@gpux/certification';
import { BadChallengeError } from '../challenge/bad-challenge';
import { EXIT, LEAVE_TIMEOUT_MS, SESSION_LIVE, SESSION_REPLACED, WorkerAgent } from './agent';
import type { AgentClient } from './agent.ports';
import { ONCE_TRIES } from './backoff';
import {
  ChallengeFailedError,
  ChallengeTicket,
  ChallengeVerdict,
  CredentialRefusedError,
  GatewayRequestError,
  GatewayUnavailableError,
  GatewayUrlError,
  HeartbeatAck,
  LeftNode,
  WorkerSession,
} from './client';
import { formatEvent, type JoinEvent } from './report';

/** A session id as joinSession gives them out, and --once proposes one: ses- and a random UUID. */
const SESSION_ID = /^ses-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOW = Date.parse('2030-01-01T00:00:00Z');
const challenge = (id: string): Challenge => ({
  version: 2,
  id,
  seed: '0'.repeat(32),
  n: 8,
  products: 2,
  precision: 'f32',
  claimedTflops: 0.01,
  issuedAt: NOW,
  deadline: NOW + 1500,
  openLeaves: 2,
  checkColumns: 8,
});
const ticket = (id: string, purpose: ChallengeTicket['purpose'] = 'CERTIFICATION'): ChallengeTicket => ({
  id,
  purpose,
  challenge: challenge(id),
});
const session = (over: Partial<WorkerSession> = {}): WorkerSession => ({
  sessionId: 's1',
  nodeId: 'n1',
  status: 'UNCERTIFIED',
  suspendedReason: null,
  marketId: 'm1',
  marketStatus: 'OPEN',
  heartbeatIntervalMs: 1000,
  challengeSize: 256,
  challengeMaxSize: 256,
  challengeProductMs: 5,
  spotChallengeSize: null,
  precision: 'f32',
  certifiedUntil: null,
  requiredTflops: null,
  ...over,
});
const until = new Date(NOW + 720 * 3600_000).toISOString();
const passed = (id: string): ChallengeVerdict => ({
  challengeId: id,
  ok: true,
  reason: null,
  detail: null,
  measuredTflops: 0.02,
  node: { status: 'CERTIFIED', tflopsPerGpu: 0.02, tflopsF16PerGpu: null, certifiedUntil: until },
});
const failed = (id: string): ChallengeVerdict => ({
  challengeId: id,
  ok: false,
  reason: 'DEADLINE_MISSED',
  detail: 'late',
  measuredTflops: null,
  node: { status: 'UNCERTIFIED', tflopsPerGpu: null, tflopsF16PerGpu: null, certifiedUntil: null },
});

/** A call the script expects, and its answer; `stop`: the agent is stopped as it is answered (a signal). */
type Step = { call: keyof AgentClient; result?: unknown; error?: Error; stop?: true };

/** A client that answers a script, in order, and records the calls. */
function scripted(steps: Step[], onExhausted: () => void) {
  const calls: [string, unknown[]][] = [];
  const left: string[] = [];
  const next = (call: keyof AgentClient, args: unknown[]) => {
    calls.push([call, args]);
    const step = steps.shift();
    if (!step) {
      onExhausted();
      return Promise.reject(new GatewayUnavailableError('script over'));
    }
    if (step.call !== call) throw new Error(`expected ${step.call}, got ${call}`);
    if (step.stop) onExhausted();
    return step.error ? Promise.reject(step.error) : Promise.resolve(step.result);
  };
  const client: AgentClient = {
    url: 'http://gw/graphql',
    joinSession: (...a) => next('joinSession', a) as Promise<WorkerSession>,
    requestCertification: (...a) => next('requestCertification', a) as Promise<ChallengeTicket>,
    commitChallenge: (...a) => next('commitChallenge', a) as Promise<OpenRequest>,
    answerChallenge: (...a) => next('answerChallenge', a) as Promise<ChallengeVerdict>,
    heartbeat: (...a) => next('heartbeat', a) as Promise<HeartbeatAck>,
    // The script's end stops the agent, which then leaves its session: answered as the gateway
    // would (the node as it stands, left for another test to script) and kept apart, in `left`,
    // so that each script and its calls stay about what the test is for. A script may say how
    // the leave is answered with a step of its own.
    leaveSession: (...a) => {
      if (steps[0]?.call === 'leaveSession') return next('leaveSession', a) as Promise<LeftNode>;
      left.push(a[0]);
      return Promise.resolve({ status: 'UNCERTIFIED', suspendedReason: null });
    },
  };
  return { client, calls, left };
}

function agent(
  steps: Step[],
  options: {
    once?: boolean;
    /** --replace (with --once). */
    replace?: boolean;
    claimTflops?: number;
    /** Checks --claim-tflops before joining (the checkClaim port). */
    checkClaim?: (claim: number) => Promise<string | null>;
    certifyF16?: boolean;
    /** Tunes at a size; `signal`: a spot check stops it (the agent's prepare port). */
    prepare?: (size: number, signal?: AbortSignal) => Promise<void>;
    /** The claim measured at a size (default 0.01). */
    measure?: (size: number) => number;
    /** Resolves when a claim's measurement is done (at once by default); `signal`: a spot check stops it. */
    measuring?: (signal?: AbortSignal) => Promise<void>;
    /** Resolves when a challenge's proof is done (at once by default); the signal the prover was given. */
    proving?: (id: string, signal?: AbortSignal) => Promise<void>;
    /** What a proof's open does (an empty opening by default). */
    open?: (r: OpenRequest, signal?: AbortSignal) => Promise<Opening>;
    /** Where the gateway's URL came from (the client's urlOption; default none: --gateway). */
    urlOption?: string;
    /** How long the client waits for an answer (its timeoutMs; default unsaid). */
    timeoutMs?: number;
  } = {},
) {
  const controller = new AbortController();
  const scriptedClient = scripted(steps, () => controller.abort());
  const { calls, left } = scriptedClient;
  const client: AgentClient = {
    ...scriptedClient.client,
    ...(options.urlOption === undefined ? {} : { urlOption: options.urlOption }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  const events: JoinEvent[] = [];
  const sleeps: number[] = [];
  const proved: string[] = [];
  const discarded: string[] = [];
  // The signal each proof was given (a spot check stops a certification's proof with it).
  const signals = new Map<string, AbortSignal | undefined>();
  const measured: [number, string][] = [];
  // Each step in order: the kernels got ready (prepare), a claim measured, a challenge proved.
  const order: string[] = [];
  let clock = NOW;
  const a = new WorkerAgent({
    client,
    prepare: async (size, signal) => {
      order.push(`prepare ${size}`);
      await options.prepare?.(size, signal);
    },
    prove: async (c, signal) => {
      proved.push(c.id);
      order.push(`prove ${c.id}`);
      signals.set(c.id, signal);
      await options.proving?.(c.id, signal);
      return {
        commitment: { challengeId: c.id, seed: c.seed, root: 'f'.repeat(64), computeMs: 5, totalMs: 9 },
        timings: { computeMs: 5, totalMs: 9 },
        open: options.open ?? (async (r) => ({ challengeId: r.challengeId, leaves: [] })),
        discard: () => void discarded.push(c.id),
      };
    },
    measureClaim: async (size, precision, signal) => {
      measured.push([size, precision]);
      order.push(`measure ${size} ${precision}`);
      await options.measuring?.(signal);
      const claimTflops = options.measure?.(size) ?? 0.01;
      return { claimTflops, measuredTflops: 2 * claimTflops, size, safetyFactor: 0.5 };
    },
    once: options.once ?? false,
    ...(options.replace ? { replace: true } : {}),
    ...(options.claimTflops === undefined ? {} : { claimTflops: options.claimTflops }),
    ...(options.checkClaim ? { checkClaim: options.checkClaim } : {}),
    ...(options.certifyF16 ? { certifyF16: true } : {}),
    report: (e) => events.push(e),
    signal: controller.signal,
    now: () => clock,
    clock: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 0.5,
  });
  return {
    run: () => a.run(),
    /** Moves the monotonic clock on by `ms`: the step under way took that long. */
    elapse: (ms: number) => void (clock += ms),
    calls,
    left,
    events,
    sleeps,
    proved,
    discarded,
    signals,
    measured,
    order,
    controller,
  };
}

/** What `join --once` ends with when its join is refused with `error`: its exit code and its last report. */
async function onceJoinRefused(error: Error): Promise<{ code: number; last: JoinEvent | undefined }> {
  const t = agent([{ call: 'joinSession', error }], { once: true });
  return { code: await t.run(), last: t.events.at(-1) };
}

/** A promise standing for GPU work (tuning, measuring, proving), and what ends it. */
function gate(): { done: Promise<void>; release: () => void } {
  let release = () => undefined as void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { done, release };
}

/** Runs the agent, calling `release` once it has sent `beats` heartbeats (the GPU work they kept the session through is done). */
async function runReleasing(
  t: ReturnType<typeof agent>,
  beats: number,
  release: () => void,
): Promise<number> {
  const watch = setInterval(() => {
    if (t.calls.filter(([c]) => c === 'heartbeat').length >= beats) release();
  }, 1);
  try {
    return await t.run();
  } finally {
    clearInterval(watch);
  }
}

const certifying = (id: string, verdict: ChallengeVerdict = passed(id)): Step[] => [
  { call: 'requestCertification', result: ticket(id) },
  {
    call: 'commitChallenge',
    result: { challengeId: id, rows: [1], r: [], committedAt: NOW, respondBy: NOW + 2000 },
  },
  { call: 'answerChallenge', result: verdict },
];

describe('the worker agent', () => {
  it('--once: joins, measures its claim at the challenge size, proves, commits, opens, and exits 0 when certified', async () => {
    const t = agent([{ call: 'joinSession', result: session() }, ...certifying('c1')], { once: true });
    expect(await t.run()).toBe(EXIT.ok);
    expect(t.calls.map(([c]) => c)).toEqual([
      'joinSession',
      'requestCertification',
      'commitChallenge',
      'answerChallenge',
    ]);
    expect(t.measured).toEqual([[256, 'f32']]);
    expect(t.order).toEqual(['prepare 256', 'measure 256 f32', 'prove c1']);
    expect(t.calls[1]).toEqual(['requestCertification', [0.01]]);
    expect(t.proved).toEqual(['c1']);
    expect(t.events.map((e) => e.event)).toEqual([
      'joining',
      'joined',
      'claim',
      'challenge',
      'committed',
      'verdict',
      'exiting',
    ]);
    expect(t.events[0]).toEqual({ event: 'joining', gateway: 'http://gw/graphql', tries: ONCE_TRIES });
    expect(t.events.at(-2)).toMatchObject({ ok: true, measuredTflops: 0.02, status: 'CERTIFIED' });
    // Exiting, it says that the node, no longer heartbeating, will be lost (report.ts, ONCE_EXIT_LINE).
    expect(t.events.at(-1)).toEqual({ event: 'exiting', status: 'CERTIFIED' });
  });

  it('--once: says nothing of exiting when the certification failed (exit 1)', async () => {
    const t = agent([{ call: 'joinSession', result: session() }, ...certifying('c1', failed('c1'))], {
      once: true,
    });
    expect(await t.run()).toBe(EXIT.failed);
    expect(t.events.some((e) => e.event === 'exiting')).toBe(false);
  });

  it('heartbeats while its kernels are tuned, so a slow tuning does not lose the session', async () => {
    const { done: tuned, release } = gate();
    const t = agent(
      [
        {
          call: 'joinSession',
          result: session({ heartbeatIntervalMs: 5, status: 'CERTIFIED', certifiedUntil: until }),
        },
        { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
        { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
        { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
      ],
      { prepare: () => tuned },
    );
    // The kernels are ready once two heartbeats have kept the session; serving beats once more.
    expect(await runReleasing(t, 2, release)).toBe(EXIT.ok);
    expect(t.calls.map(([c]) => c).slice(0, 4)).toEqual([
      'joinSession',
      'heartbeat',
      'heartbeat',
      'heartbeat',
    ]);
    expect(t.order).toEqual(['prepare 256']);
  });

  it('a spot check a heartbeat brings while its kernels are tuned stops the tuning and is answered at once (its clock runs from the delivery); the tuning goes on after it', async () => {
    // A worker restarted without its tuning cache tunes for tens of seconds (lavapipe: ~20 s), and a
    // spot check's deadline is 1.25 × its claimed compute time + 1 s from the heartbeat that
    // delivered it: answered after the tuning, an honest node failed it for having restarted.
    const { done: tuned, release } = gate();
    const signals: (AbortSignal | undefined)[] = [];
    const t = agent(
      [
        {
          call: 'joinSession',
          result: session({
            heartbeatIntervalMs: 5,
            status: 'CERTIFIED',
            certifiedUntil: until,
            spotChallengeSize: 512,
            challengeMaxSize: 512,
          }),
        },
        { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
        { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: ticket('spot1', 'SPOT') } },
        // Answered before any other heartbeat: not after the tuning.
        {
          call: 'commitChallenge',
          result: { challengeId: 'spot1', rows: [0], r: [], committedAt: NOW, respondBy: NOW + 2000 },
        },
        { call: 'answerChallenge', result: passed('spot1') },
        { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
        { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
      ],
      {
        // The first tuning lasts until it is stopped (or 6 heartbeats, without a signal); the
        // second, after the check, is quick.
        prepare: (_size, signal) => {
          signals.push(signal);
          if (signals.length > 1) return Promise.resolve();
          return new Promise<void>((resolve) => {
            void tuned.then(resolve);
            signal?.addEventListener('abort', () => resolve(), { once: true });
          });
        },
      },
    );
    expect(await runReleasing(t, 6, release)).toBe(EXIT.ok);
    expect(t.calls.map(([c]) => c).slice(0, 6)).toEqual([
      'joinSession',
      'heartbeat',
      'heartbeat',
      'commitChallenge',
      'answerChallenge',
      'heartbeat',
    ]);
    // The tuning was told to stop as the check came, the check proved with what it left, and the
    // size tuned again after the check, before the worker served on.
    expect(signals).toHaveLength(2);
    expect(signals[0]?.aborted).toBe(true);
    expect(t.order).toEqual(['prepare 512', 'prove spot1', 'prepare 512']);
    expect(t.events.filter((e) => e.event !== 'joined').map((e) => e.event)).toEqual([
      'interrupted',
      'challenge',
      'committed',
      'verdict',
      'left',
    ]);
    expect(t.events.find((e) => e.event === 'interrupted')).toEqual({
      event: 'interrupted',
      work: 'tuning',
      size: 512,
      by: 'spot1',
    });
    expect(t.events.find((e) => e.event === 'verdict')).toMatchObject({ purpose: 'SPOT', ok: true });
  });

  it('heartbeats while its claim is measured, so a measurement of seconds does not lose the session', async () => {
    const { done: measured, release } = gate();
    const t = agent(
      [
        { call: 'joinSession', result: session({ heartbeatIntervalMs: 5 }) },
        { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
        { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
        ...certifying('c1'),
      ],
      { once: true, measuring: () => measured },
    );
    expect(await runReleasing(t, 2, release)).toBe(EXIT.ok);
    expect(t.calls.map(([c]) => c)).toEqual([
      'joinSession',
      'heartbeat',
      'heartbeat',
      'requestCertification',
      'commitChallenge',
      'answerChallenge',
    ]);
    expect(t.order).toEqual(['prepare 256', 'measure 256 f32', 'prove c1']);
  });

  it('a spot check a heartbeat brings while its claim is measured stops the measurement and is answered at once; the claim is measured again after it', async () => {
    // A certified node renewing its certificate measures its claim for seconds (lavapipe: ~5 s a
    // size), and its spot checks keep coming meanwhile, each due 1.25 × its compute time + 1 s on.
    const { done: measured, release } = gate();
    const signals: (AbortSignal | undefined)[] = [];
    const t = agent(
      [
        { call: 'joinSession', result: session({ heartbeatIntervalMs: 5 }) },
        { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: ticket('spot1', 'SPOT') } },
        {
          call: 'commitChallenge',
          result: { challengeId: 'spot1', rows: [0], r: [], committedAt: NOW, respondBy: NOW + 2000 },
        },
        { call: 'answerChallenge', result: passed('spot1') },
        ...certifying('c1'),
      ],
      {
        once: true,
        // The first measurement lasts until it is stopped (or 4 heartbeats, without a signal).
        measuring: (signal) => {
          signals.push(signal);
          if (signals.length > 1) return Promise.resolve();
          return new Promise<void>((resolve, reject) => {
            void measured.then(resolve);
            signal?.addEventListener('abort', () => reject(new Error('proof aborted')), { once: true });
          });
        },
      },
    );
    expect(await runReleasing(t, 4, release)).toBe(EXIT.ok);
    expect(t.calls.map(([c]) => c)).toEqual([
      'joinSession',
      'heartbeat',
      'commitChallenge',
      'answerChallenge',
      'requestCertification',
      'commitChallenge',
      'answerChallenge',
    ]);
    expect(signals[0]?.aborted).toBe(true);
    expect(t.order).toEqual(['prepare 256', 'measure 256 f32', 'prove spot1', 'measure 256 f32', 'prove c1']);
    expect(t.events.find((e) => e.event === 'interrupted')).toEqual({
      event: 'interrupted',
      work: 'claim',
      size: 256,
      by: 'spot1',
    });
  });

  it("claims its market's minimum where the measured rate covers it and half of it does not; half where the rate is below it", async () => {
    // Measured 0.02 (claim 0.01); the market requires 0.015 of the node: the minimum is claimed.
    const covered = agent(
      [{ call: 'joinSession', result: session({ requiredTflops: 0.015 }) }, ...certifying('c1')],
      {
        once: true,
      },
    );
    expect(await covered.run()).toBe(EXIT.ok);
    expect(covered.calls[1]).toEqual(['requestCertification', [0.015]]);
    expect(covered.events.find((e) => e.event === 'claim')).toMatchObject({
      claimTflops: 0.015,
      measuredTflops: 0.02,
      requiredTflops: 0.015,
    });
    // The market requires 0.05: the node does not deliver it, and states half its rate.
    const short = agent(
      [{ call: 'joinSession', result: session({ requiredTflops: 0.05 }) }, ...certifying('c2')],
      {
        once: true,
      },
    );
    expect(await short.run()).toBe(EXIT.ok);
    expect(short.calls[1]).toEqual(['requestCertification', [0.01]]);
    expect(short.events.find((e) => e.event === 'claim')).not.toHaveProperty('requiredTflops');
  });

  describe('a spot check that comes while it proves: supersedes a certification, never another spot check', () => {
    const commitOf = (id: string): Step => ({
      call: 'commitChallenge',
      result: { challengeId: id, rows: [0], r: [], committedAt: NOW, respondBy: NOW + 2000 },
    });
    const callsOf = (t: ReturnType<typeof agent>) =>
      t.calls.map(([c, args]) => [c, ...args.filter((a) => typeof a === 'string')].join(' '));
    /** A proof that would run until `done`, but stops (rejects) as soon as its signal aborts, noted in the calls. */
    const stoppable =
      (t: () => ReturnType<typeof agent>, slow: string, done: Promise<void>) =>
      (id: string, signal?: AbortSignal): Promise<void> =>
        id !== slow
          ? Promise.resolve()
          : new Promise((resolve, reject) => {
              void done.then(() => {
                if (signal?.aborted) return;
                t().calls.push(['proof finished', [id]]);
                resolve();
              });
              signal?.addEventListener('abort', () => {
                t().calls.push(['proof stopped', [id]]);
                reject(new Error('stopped'));
              });
            });

    it('--once: stops the proof, answers the spot check at once, commits nothing of the certification and asks for another', async () => {
      const { done, release } = gate();
      const t: ReturnType<typeof agent> = agent(
        [
          { call: 'joinSession', result: session({ heartbeatIntervalMs: 5 }) },
          { call: 'requestCertification', result: ticket('c1') },
          { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
          { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: ticket('spot1', 'SPOT') } },
          commitOf('spot1'),
          { call: 'answerChallenge', result: passed('spot1') },
          ...certifying('c2'),
        ],
        { once: true, proving: stoppable(() => t, 'c1', done) },
      );
      // Released (the proof of c1 done) only after a third heartbeat: never, unless the spot check waited for it.
      expect(await runReleasing(t, 3, release)).toBe(EXIT.ok);
      expect(callsOf(t)).toEqual([
        'joinSession',
        'requestCertification',
        'heartbeat s1',
        'heartbeat s1',
        'proof stopped c1',
        'commitChallenge spot1',
        'answerChallenge spot1',
        'requestCertification',
        'commitChallenge c2',
        'answerChallenge c2',
      ]);
      expect(t.signals.get('c1')?.aborted).toBe(true);
      expect(t.proved).toEqual(['c1', 'spot1', 'c2']);
      expect(t.events.filter((e) => e.event === 'superseded')).toEqual([
        { event: 'superseded', purpose: 'CERTIFICATION', precision: 'f32', challengeId: 'c1', by: 'spot1' },
      ]);
      // Not a failure of the node: no failed verdict, no error.
      expect(t.events.filter((e) => e.event === 'verdict').map((e) => [e.challengeId, e.ok])).toEqual([
        ['spot1', true],
        ['c2', true],
      ]);
      expect(t.events.some((e) => e.event === 'error')).toBe(false);
    });

    it("a renewal superseded is asked for again after the next heartbeat, not after a backoff or at the certificate's end", async () => {
      const { done, release } = gate();
      const soon = new Date(NOW + 30 * 60_000).toISOString();
      const renewing = { status: 'CERTIFIED' as const, certifiedUntil: soon };
      const t: ReturnType<typeof agent> = agent(
        [
          { call: 'joinSession', result: session({ heartbeatIntervalMs: 5, ...renewing }) },
          { call: 'requestCertification', result: ticket('c1') },
          { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
          { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: ticket('spot1', 'SPOT') } },
          commitOf('spot1'),
          {
            call: 'answerChallenge',
            result: { ...passed('spot1'), node: { ...passed('spot1').node, certifiedUntil: soon } },
          },
          { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
          ...certifying('c2'),
        ],
        { proving: stoppable(() => t, 'c1', done) },
      );
      // Released (the proof of c1 done) only after a fifth heartbeat: never, unless the spot check waited for it.
      expect(await runReleasing(t, 5, release)).toBe(EXIT.ok);
      expect(callsOf(t)).toEqual([
        'joinSession',
        'requestCertification',
        'heartbeat s1',
        'heartbeat s1',
        'proof stopped c1',
        'commitChallenge spot1',
        'answerChallenge spot1',
        'heartbeat s1',
        'requestCertification',
        'commitChallenge c2',
        'answerChallenge c2',
        'heartbeat s1', // the script's end: stopped
      ]);
      expect(t.signals.get('c1')?.aborted).toBe(true);
      expect(t.events.filter((e) => e.event === 'superseded')).toHaveLength(1);
      expect(t.events.some((e) => e.event === 'error' || e.event === 'retry')).toBe(false);
    });

    it('a spot check issued after the proof’s last heartbeat: the certification refused (NOT_FOUND, then ALREADY_EXISTS) is put off, and the next heartbeat’s spot check answered, without joining again', async () => {
      const soon = new Date(NOW + 30 * 60_000).toISOString();
      const renewing = { status: 'CERTIFIED' as const, certifiedUntil: soon };
      for (const refusal of [
        // The proof done, its commitment finds the certification ended by the spot check.
        [
          { call: 'requestCertification', result: ticket('c1') },
          {
            call: 'commitChallenge',
            error: new GatewayRequestError('NOT_FOUND', 'challenge c1 is not in flight', 'challengeId'),
          },
        ],
        // The spot check in flight when the renewal is asked for.
        [
          {
            call: 'requestCertification',
            error: new GatewayRequestError(
              'ALREADY_EXISTS',
              'node n1 is answering challenge spot1',
              'nodeId',
            ),
          },
        ],
      ] as Step[][]) {
        const t = agent([
          { call: 'joinSession', result: session({ heartbeatIntervalMs: 5, ...renewing }) },
          ...refusal,
          { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: ticket('spot1', 'SPOT') } },
          commitOf('spot1'),
          { call: 'answerChallenge', result: passed('spot1') },
        ]);
        expect(await t.run()).toBe(EXIT.ok);
        expect(callsOf(t).slice(refusal.length + 1)).toEqual([
          'heartbeat s1',
          'commitChallenge spot1',
          'answerChallenge spot1',
          'heartbeat s1', // the script's end: stopped
        ]);
        expect(t.events.find((e) => e.event === 'retry')).toMatchObject({
          error: expect.stringMatching(
            /^certification put off \(the gateway refused: (NOT_FOUND|ALREADY_EXISTS): /,
          ),
        });
      }
    });

    it('--f16: an f16 certification superseded is asked for again once the spot check is answered', async () => {
      const { done, release } = gate();
      const f16 = (id: string): ChallengeTicket => ({
        ...ticket(id),
        challenge: { ...challenge(id), precision: 'f16' },
      });
      const t: ReturnType<typeof agent> = agent(
        [
          { call: 'joinSession', result: session({ heartbeatIntervalMs: 5 }) },
          ...certifying('c1'),
          { call: 'requestCertification', result: f16('h1') },
          { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: ticket('spot1', 'SPOT') } },
          commitOf('spot1'),
          { call: 'answerChallenge', result: passed('spot1') },
          { call: 'requestCertification', result: f16('h2') },
          commitOf('h2'),
          { call: 'answerChallenge', result: passed('h2') },
        ],
        { once: true, claimTflops: 5, certifyF16: true, proving: stoppable(() => t, 'h1', done) },
      );
      // Released only after a second heartbeat: never, unless the spot check waited for the proof of h1.
      expect(await runReleasing(t, 2, release)).toBe(EXIT.ok);
      expect(callsOf(t)).toEqual([
        'joinSession',
        'requestCertification',
        'commitChallenge c1',
        'answerChallenge c1',
        'requestCertification f16',
        'heartbeat s1',
        'proof stopped h1',
        'commitChallenge spot1',
        'answerChallenge spot1',
        'requestCertification f16',
        'commitChallenge h2',
        'answerChallenge h2',
      ]);
      expect(t.events.filter((e) => e.event === 'superseded')).toEqual([
        { event: 'superseded', purpose: 'CERTIFICATION', precision: 'f16', challengeId: 'h1', by: 'spot1' },
      ]);
    });

    it('a spot check never supersedes another: one that comes while a spot check is proved is answered right after it', async () => {
      const { done, release } = gate();
      const t: ReturnType<typeof agent> = agent(
        [
          {
            call: 'joinSession',
            result: session({ heartbeatIntervalMs: 20, status: 'CERTIFIED', certifiedUntil: until }),
          },
          { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: ticket('spot1', 'SPOT') } },
          { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: ticket('spot2', 'SPOT') } },
          commitOf('spot1'),
          { call: 'answerChallenge', result: passed('spot1') },
          commitOf('spot2'),
          { call: 'answerChallenge', result: passed('spot2') },
        ],
        { proving: stoppable(() => t, 'spot1', done) },
      );
      // spot1's proof ends once the heartbeat that brought spot2 is sent.
      expect(await runReleasing(t, 2, release)).toBe(EXIT.ok);
      expect(callsOf(t)).toEqual([
        'joinSession',
        'heartbeat s1',
        'heartbeat s1',
        'proof finished spot1',
        'commitChallenge spot1',
        'answerChallenge spot1',
        'commitChallenge spot2',
        'answerChallenge spot2',
        'heartbeat s1',
      ]);
      // It was given a signal, never aborted.
      expect(t.signals.get('spot1')).toBeInstanceOf(AbortSignal);
      expect(t.signals.get('spot1')?.aborted).toBe(false);
      expect(t.events.some((e) => e.event === 'superseded')).toBe(false);
    });
    it('a spot check that comes while a certification is opened supersedes it too: the opening stops, nothing of it is sent', async () => {
      const { done, release } = gate();
      let openSignal: AbortSignal | undefined;
      const t: ReturnType<typeof agent> = agent(
        [
          { call: 'joinSession', result: session({ heartbeatIntervalMs: 5 }) },
          { call: 'requestCertification', result: ticket('c1') },
          commitOf('c1'),
          { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: ticket('spot1', 'SPOT') } },
          commitOf('spot1'),
          { call: 'answerChallenge', result: passed('spot1') },
          ...certifying('c2'),
        ],
        {
          once: true,
          // c1's opening would run until released (never, unless it was waited for), but stops when told.
          open: (r, signal) =>
            r.challengeId !== 'c1'
              ? Promise.resolve({ challengeId: r.challengeId, leaves: [] })
              : new Promise((resolve, reject) => {
                  openSignal = signal;
                  void done.then(() => resolve({ challengeId: r.challengeId, leaves: [] }));
                  signal?.addEventListener('abort', () => {
                    t.calls.push(['opening stopped', [r.challengeId]]);
                    reject(new Error('stopped'));
                  });
                }),
        },
      );
      // Released (c1's opening done) many intervals on, so that an agent that sends no heartbeat
      // while it opens fails rather than hangs.
      const fallback = setTimeout(release, 500);
      try {
        expect(await t.run()).toBe(EXIT.ok);
      } finally {
        clearTimeout(fallback);
      }
      expect(callsOf(t)).toEqual([
        'joinSession',
        'requestCertification',
        'commitChallenge c1',
        'heartbeat s1',
        'opening stopped c1',
        'commitChallenge spot1',
        'answerChallenge spot1',
        'requestCertification',
        'commitChallenge c2',
        'answerChallenge c2',
      ]);
      expect(openSignal?.aborted).toBe(true);
      expect(t.discarded).toContain('c1');
      expect(t.events.filter((e) => e.event === 'superseded')).toEqual([
        { event: 'superseded', purpose: 'CERTIFICATION', precision: 'f32', challengeId: 'c1', by: 'spot1' },
      ]);
      expect(t.events.filter((e) => e.event === 'verdict').map((e) => [e.challengeId, e.ok])).toEqual([
        ['spot1', true],
        ['c2', true],
      ]);
    });
  });

  it('discards a proof whose heartbeat failed while it was computed, once it is done', async () => {
    const { done: proved, release } = gate();
    const t = agent(
      [
        { call: 'joinSession', result: session({ heartbeatIntervalMs: 5 }) },
        { call: 'requestCertification', result: ticket('c1') },
        { call: 'heartbeat', error: new GatewayUnavailableError('the gateway answered HTTP 503') },
      ],
      { once: true, proving: () => proved },
    );
    // The heartbeat fails while the proof runs; the agent goes back to joining (the script ends there).
    expect(await t.run()).toBe(EXIT.ok);
    expect(t.calls.map(([c]) => c)).toEqual([
      'joinSession',
      'requestCertification',
      'heartbeat',
      'joinSession',
    ]);
    expect(t.discarded).toEqual([]);
    // The proof finishes later: nobody will commit it, and its buffers are let go.
    release();
    await proved;
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.discarded).toEqual(['c1']);
  });

  it('--once: a failed verdict exits 1; --claim-tflops is claimed as given', async () => {
    const t = agent([{ call: 'joinSession', result: session() }, ...certifying('c1', failed('c1'))], {
      once: true,
      claimTflops: 5,
    });
    expect(await t.run()).toBe(EXIT.failed);
    expect(t.measured).toEqual([]);
    expect(t.calls[1]).toEqual(['requestCertification', [5]]);
    // Kernels are tuned at the challenge size before the claim, not inside the deadline.
    expect(t.order).toEqual(['prepare 256', 'prove c1']);
    expect(t.events.find((e) => e.event === 'verdict')).toMatchObject({
      ok: false,
      reason: 'DEADLINE_MISSED',
    });
  });

  it('tunes at the size its claim picks before asking: measured at the smallest size, again at the size that figure picks, until it stays', async () => {
    // Sizes 256 to 4096, products of at least 5 ms: 2 TFLOP/s picks 2048 (8.6 ms there), and so
    // does the 3 TFLOP/s measured at 2048.
    const claims: Record<number, number> = { 256: 2, 2048: 3 };
    const t = agent(
      [{ call: 'joinSession', result: session({ challengeMaxSize: 4096 }) }, ...certifying('c1')],
      { once: true, measure: (size) => claims[size]! },
    );
    expect(await t.run()).toBe(EXIT.ok);
    expect(t.order).toEqual([
      'prepare 256',
      'measure 256 f32',
      'prepare 2048',
      'measure 2048 f32',
      'prove c1',
    ]);
    expect(t.calls[1]).toEqual(['requestCertification', [3]]);
    expect(t.events.find((e) => e.event === 'claim')).toMatchObject({ claimTflops: 3, size: 2048 });
  });

  it('a figure measured on larger products that sizes below them gets the kernels of that size too; --claim-tflops tunes at the size it picks', async () => {
    // 2 TFLOP/s at 256 picks 2048; the 0.1 measured there picks 1024 (2.7 ms at 512, 21 ms at 1024).
    const claims: Record<number, number> = { 256: 2, 2048: 0.1 };
    const measured = agent(
      [{ call: 'joinSession', result: session({ challengeMaxSize: 4096 }) }, ...certifying('c1')],
      { once: true, measure: (size) => claims[size]! },
    );
    expect(await measured.run()).toBe(EXIT.ok);
    expect(measured.order).toEqual([
      'prepare 256',
      'measure 256 f32',
      'prepare 2048',
      'measure 2048 f32',
      'prepare 1024',
      'prove c1',
    ]);
    // 12 TFLOP/s: 1.4 ms at 2048, 11 ms at 4096.
    const given = agent(
      [{ call: 'joinSession', result: session({ challengeMaxSize: 4096 }) }, ...certifying('c1')],
      { once: true, claimTflops: 12 },
    );
    expect(await given.run()).toBe(EXIT.ok);
    expect(given.order).toEqual(['prepare 256', 'prepare 4096', 'prove c1']);
    expect(given.calls[1]).toEqual(['requestCertification', [12]]);
  });

  it('--once: a node certified for long enough is left alone; one about to expire is certified again', async () => {
    const fine = agent(
      [{ call: 'joinSession', result: session({ status: 'CERTIFIED', certifiedUntil: until }) }],
      { once: true },
    );
    expect(await fine.run()).toBe(EXIT.ok);
    expect(fine.events.map((e) => e.event)).toEqual(['joining', 'joined', 'certified', 'exiting']);
    const soon = new Date(NOW + 10 * 60_000).toISOString();
    const expiring = agent(
      [
        { call: 'joinSession', result: session({ status: 'CERTIFIED', certifiedUntil: soon }) },
        ...certifying('c1'),
      ],
      { once: true },
    );
    expect(await expiring.run()).toBe(EXIT.ok);
    expect(expiring.proved).toEqual(['c1']);
  });

  it('a challenge failed at its commitment is a failed verdict (exit 1 with --once), not a gateway error', async () => {
    const t = agent(
      [
        { call: 'joinSession', result: session() },
        { call: 'requestCertification', result: ticket('c1') },
        {
          call: 'commitChallenge',
          error: new ChallengeFailedError('DEADLINE_MISSED', 'challenge c1 failed: DEADLINE_MISSED: late'),
        },
      ],
      { once: true },
    );
    expect(await t.run()).toBe(EXIT.failed);
    expect(t.events.at(-1)).toMatchObject({
      event: 'verdict',
      ok: false,
      reason: 'DEADLINE_MISSED',
      detail: 'challenge c1 failed: DEADLINE_MISSED: late',
      status: 'UNKNOWN',
    });
    expect(t.events.some((e) => e.event === 'retry')).toBe(false);
  });

  it('a refused credential ends it with exit 3 and one refusal, wherever it happens', async () => {
    const atJoin = agent([{ call: 'joinSession', error: new CredentialRefusedError('revoked') }]);
    expect(await atJoin.run()).toBe(EXIT.refused);
    expect(atJoin.events).toEqual([{ event: 'refused', message: 'revoked', gateway: 'http://gw/graphql' }]);
    const later = agent([
      { call: 'joinSession', result: session({ status: 'CERTIFIED', certifiedUntil: until }) },
      { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
      { call: 'heartbeat', error: new CredentialRefusedError('revoked') },
    ]);
    expect(await later.run()).toBe(EXIT.refused);
    // Refused once joined: the refusal names the node it served, left without a worker now.
    expect(later.events.filter((e) => e.event === 'refused')).toEqual([
      { event: 'refused', message: 'revoked', gateway: 'http://gw/graphql', nodeId: 'n1' },
    ]);
  });

  it('retries an unreachable gateway after 1 s, 2 s, 4 s… and joins again; a success starts the schedule over', async () => {
    const down = () => ({
      call: 'joinSession' as const,
      error: new GatewayUnavailableError('the gateway at http://gw/graphql did not answer (ECONNREFUSED)'),
    });
    const t = agent([
      down(),
      down(),
      down(),
      { call: 'joinSession', result: session({ status: 'CERTIFIED', certifiedUntil: until }) },
      { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
      {
        call: 'heartbeat',
        error: new GatewayUnavailableError('the gateway at http://gw/graphql answered HTTP 503'),
      },
      {
        call: 'joinSession',
        result: session({ status: 'CERTIFIED', certifiedUntil: until, sessionId: 's2' }),
      },
    ]);
    expect(await t.run()).toBe(EXIT.ok);
    const retries = t.events.filter((e): e is Extract<JoinEvent, { event: 'retry' }> => e.event === 'retry');
    expect(retries.map((r) => [r.attempt, r.delayMs])).toEqual([
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [1, 1000],
    ]);
    expect(retries[0]!.error).toBe('the gateway at http://gw/graphql did not answer (ECONNREFUSED)');
    expect(t.sleeps).toEqual([1000, 2000, 4000, 1000, 1000]);
    expect(t.calls.filter(([c]) => c === 'joinSession')).toHaveLength(5);
  });

  it('--once at a gateway that takes connections but never answers: says what it waits for before the first try and at each retry; a worker without --once adds no line', async () => {
    const silent = () => ({
      call: 'joinSession' as const,
      error: new GatewayUnavailableError(
        'the gateway at http://gw/graphql did not answer (timed out)',
        undefined,
        'timed out',
      ),
    });
    const t = agent(Array.from({ length: ONCE_TRIES }, silent), { once: true, timeoutMs: 30_000 });
    expect(await t.run()).toBe(EXIT.failed);
    expect(t.events[0]).toEqual({
      event: 'joining',
      gateway: 'http://gw/graphql',
      tries: ONCE_TRIES,
      timeoutMs: 30_000,
    });
    const lines = t.events.map(formatEvent);
    expect(lines[0]).toBe(
      'joining the gateway at http://gw/graphql: waiting up to 30 s for its answer (--once: 4 tries at most while it cannot be reached)',
    );
    // One line a retry, each saying which try comes next and what it waits for; then the last line.
    expect(lines.slice(1)).toEqual([
      "the gateway at http://gw/graphql did not answer (timed out): retry 1 in 1.0 s (try 2 of 4, waiting up to 30 s for the gateway's answer)",
      "the gateway at http://gw/graphql did not answer (timed out): retry 2 in 2.0 s (try 3 of 4, waiting up to 30 s for the gateway's answer)",
      "the gateway at http://gw/graphql did not answer (timed out): retry 3 in 4.0 s (try 4 of 4, waiting up to 30 s for the gateway's answer)",
      expect.stringMatching(
        /^the gateway at http:\/\/gw\/graphql could not be reached in 4 tries \(timed out\)/,
      ),
    ]);
    // A worker that keeps running logs one line a retry, as before: no joining line, nothing more said.
    const serving = agent(
      [...Array.from({ length: 6 }, silent), { call: 'joinSession', error: silent().error, stop: true }],
      {
        timeoutMs: 30_000,
      },
    );
    expect(await serving.run()).toBe(EXIT.ok);
    expect(serving.events.map((e) => e.event)).toEqual(Array.from({ length: 6 }, () => 'retry'));
    for (const e of serving.events) expect(e).not.toHaveProperty('next');
  });

  it('--once: an answer without data or errors is said as what came back, not as a refusal with a made-up code', async () => {
    const refused = await onceJoinRefused(
      new GatewayRequestError(
        'BAD_RESPONSE',
        'the gateway at http://gw/graphql answered HTTP 200 with no data and no errors: {"data":null}',
      ),
    );
    expect(refused).toEqual({
      code: EXIT.failed,
      last: {
        event: 'error',
        message:
          'the gateway\'s answer could not be used: the gateway at http://gw/graphql answered HTTP 200 with no data and no errors: {"data":null}',
      },
    });
  });

  it('--once: gives up on a gateway that cannot be reached after a few tries, saying what to check, exit 1', async () => {
    const down = () => ({
      call: 'joinSession' as const,
      error: new GatewayUnavailableError(
        'the gateway at http://gw/graphql did not answer (ECONNREFUSED)',
        undefined,
        'ECONNREFUSED',
      ),
    });
    // Were it to retry once more, it would join.
    const t = agent(
      [...Array.from({ length: ONCE_TRIES }, down), { call: 'joinSession', result: session() }],
      {
        once: true,
      },
    );
    expect(await t.run()).toBe(EXIT.failed);
    expect(ONCE_TRIES).toBe(4);
    expect(t.calls).toHaveLength(ONCE_TRIES);
    // 1 + 2 + 4 s of backoff between the tries: well under a minute.
    expect(t.sleeps).toEqual([1000, 2000, 4000]);
    expect(t.events.at(-1)).toEqual({
      event: 'error',
      message:
        'the gateway at http://gw/graphql could not be reached in 4 tries (ECONNREFUSED): check that the gateway is running and reachable from here, and that --gateway is its GraphQL URL',
    });
    // A URL made from GPUX_GATEWAY_PORT: the port is what to check.
    const fromPort = agent(Array.from({ length: ONCE_TRIES }, down), {
      once: true,
      urlOption: 'GPUX_GATEWAY_PORT',
    });
    expect(await fromPort.run()).toBe(EXIT.failed);
    expect(fromPort.events.at(-1)).toEqual({
      event: 'error',
      message:
        'the gateway at http://gw/graphql could not be reached in 4 tries (ECONNREFUSED): check that the gateway is running and reachable from here, and that GPUX_GATEWAY_PORT is its port',
    });
    // A gateway that answers, but cannot serve: the same bound, its own words.
    const busy = agent(
      Array.from({ length: ONCE_TRIES }, () => ({
        call: 'joinSession' as const,
        error: new GatewayUnavailableError('the gateway could not answer now (UNAVAILABLE: rebuilding)'),
      })),
      { once: true },
    );
    expect(await busy.run()).toBe(EXIT.failed);
    expect(busy.events.at(-1)).toEqual({
      event: 'error',
      message:
        'gave up after 4 tries, the last: the gateway could not answer now (UNAVAILABLE: rebuilding); try again later',
    });
    // Something that answers, but no GraphQL (a web server's page): the URL is what to check.
    const notGateway = agent(
      Array.from({ length: ONCE_TRIES }, () => ({
        call: 'joinSession' as const,
        error: new GatewayUnavailableError(
          'the gateway at http://gw/graphql answered HTTP 200 without a GraphQL response',
          undefined,
          undefined,
          undefined,
          true,
        ),
      })),
      { once: true },
    );
    expect(await notGateway.run()).toBe(EXIT.failed);
    expect(notGateway.events.at(-1)).toEqual({
      event: 'error',
      message:
        "gave up after 4 tries, the last: the gateway at http://gw/graphql answered HTTP 200 without a GraphQL response; check that --gateway is the gateway's GraphQL URL (what answered there speaks no GraphQL), or try again later",
    });
  });

  it('--once: a gateway that answers again starts the count of tries over', async () => {
    const down = () => ({
      call: 'joinSession' as const,
      error: new GatewayUnavailableError('down', undefined, 'EHOSTUNREACH'),
    });
    const lost = {
      call: 'requestCertification' as const,
      error: new GatewayUnavailableError('down', undefined, 'ECONNRESET'),
    };
    const joined: Step = { call: 'joinSession', result: session() };
    // Three tries, joined; lost, two tries, joined: never four in a row.
    const t = agent([down(), down(), down(), joined, lost, down(), down(), joined, ...certifying('c1')], {
      once: true,
    });
    expect(await t.run()).toBe(EXIT.ok);
    expect(t.proved).toEqual(['c1']);
  });

  it('without --once retries an unreachable gateway for as long as it runs', async () => {
    const t = agent([
      ...Array.from({ length: 12 }, () => ({
        call: 'joinSession' as const,
        error: new GatewayUnavailableError('down', undefined, 'ECONNREFUSED'),
      })),
      { call: 'joinSession', result: session({ status: 'CERTIFIED', certifiedUntil: until }) },
    ]);
    expect(await t.run()).toBe(EXIT.ok);
    expect(t.events.filter((e) => e.event === 'retry')).toHaveLength(12);
    expect(t.events.some((e) => e.event === 'error')).toBe(false);
  });

  it('a gateway URL that answers 404 ends it with exit 2 and the line that says so, with or without --once', async () => {
    for (const once of [false, true]) {
      const t = agent(
        [
          { call: 'joinSession', error: new GatewayUrlError('http://gw:4000', '--gateway') },
          { call: 'joinSession', result: session() },
        ],
        { once },
      );
      expect(await t.run()).toBe(EXIT.usage);
      expect(t.calls).toHaveLength(1);
      expect(t.sleeps).toEqual([]);
      expect(t.events.filter((e) => e.event !== 'joining')).toEqual([
        {
          event: 'error',
          message:
            '--gateway http://gw:4000 answered 404: is it the GraphQL endpoint? e.g. http://gw:4000/graphql',
        },
      ]);
    }
  });

  it('keeps backing off when the gateway takes joins but fails every heartbeat', async () => {
    const certifiedSession = {
      call: 'joinSession' as const,
      result: session({ status: 'CERTIFIED', certifiedUntil: until }),
    };
    const failing = {
      call: 'heartbeat' as const,
      error: new GatewayUnavailableError('the gateway at http://gw/graphql answered HTTP 502'),
    };
    const t = agent([certifiedSession, failing, certifiedSession, failing, certifiedSession, failing]);
    expect(await t.run()).toBe(EXIT.ok);
    expect(
      t.events.filter((e) => e.event === 'retry').map((e) => (e as { delayMs: number }).delayMs),
    ).toEqual([1000, 2000, 4000]);
  });

  it('without --once: certifies, heartbeats at the session interval, answers a spot challenge at once, and stops cleanly', async () => {
    const t = agent([
      { call: 'joinSession', result: session({ heartbeatIntervalMs: 500 }) },
      ...certifying('c1'),
      { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
      { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: ticket('spot1', 'SPOT') } },
      {
        call: 'commitChallenge',
        result: { challengeId: 'spot1', rows: [0], r: [], committedAt: NOW, respondBy: NOW + 2000 },
      },
      { call: 'answerChallenge', result: passed('spot1') },
      { call: 'heartbeat', result: { status: 'SUSPENDED', challenge: null } },
      // Suspended: it certifies again before its next heartbeat.
      ...certifying('c2'),
      { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
    ]);
    expect(await t.run()).toBe(EXIT.ok);
    expect(t.proved).toEqual(['c1', 'spot1', 'c2']);
    expect(t.sleeps.every((ms) => ms === 500)).toBe(true);
    expect(t.measured).toHaveLength(1);
    expect(t.events.filter((e) => e.event === 'status')).toEqual([{ event: 'status', status: 'SUSPENDED' }]);
  });

  it('a node certified at a larger size gets its kernels ready for that size before it serves: its spot checks come there', async () => {
    const t = agent([
      {
        call: 'joinSession',
        result: session({
          challengeMaxSize: 4096,
          status: 'CERTIFIED',
          certifiedUntil: until,
          spotChallengeSize: 2048,
        }),
      },
      { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: ticket('spot1', 'SPOT') } },
      {
        call: 'commitChallenge',
        result: { challengeId: 'spot1', rows: [0], r: [], committedAt: NOW, respondBy: NOW + 2000 },
      },
      { call: 'answerChallenge', result: passed('spot1') },
    ]);
    expect(await t.run()).toBe(EXIT.ok);
    // Nothing to certify: the smallest size (for measuring claims) is never needed.
    expect(t.order).toEqual(['prepare 2048', 'prove spot1']);
  });

  it('after a failed certification it keeps heartbeating and tries again only after a backoff', async () => {
    const t = agent([
      { call: 'joinSession', result: session({ heartbeatIntervalMs: 400 }) },
      ...certifying('c1', failed('c1')),
      { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
      { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
      { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
      ...certifying('c2'),
    ]);
    expect(await t.run()).toBe(EXIT.ok);
    // 1 s of backoff: three heartbeats 400 ms apart before the second try.
    expect(t.proved).toEqual(['c1', 'c2']);
  });

  it('--once: a request the gateway refuses ends it with exit 1; without --once it is retried', async () => {
    const once = agent(
      [
        { call: 'joinSession', result: session() },
        {
          call: 'requestCertification',
          error: new GatewayRequestError('BAD_USER_INPUT', 'claim too low', 'claimedTflops'),
        },
      ],
      { once: true },
    );
    expect(await once.run()).toBe(EXIT.failed);
    expect(once.events.at(-1)).toEqual({
      event: 'error',
      message: 'the gateway refused: BAD_USER_INPUT: claim too low',
    });
    // A challenge from before a reconnection still in flight: wait for it to be due, then certify.
    const inFlight = agent(
      [
        { call: 'joinSession', result: session() },
        {
          call: 'requestCertification',
          error: new GatewayRequestError(
            'ALREADY_EXISTS',
            'node n1 is answering challenge c0 until …',
            'nodeId',
          ),
        },
        { call: 'joinSession', result: session() },
        ...certifying('c1'),
      ],
      { once: true },
    );
    expect(await inFlight.run()).toBe(EXIT.ok);
    expect(inFlight.sleeps).toEqual([1000]);
    const serving = agent([
      { call: 'joinSession', error: new GatewayRequestError('NOT_FOUND', 'no such node') },
      { call: 'joinSession', result: session({ status: 'CERTIFIED', certifiedUntil: until }) },
    ]);
    expect(await serving.run()).toBe(EXIT.ok);
    expect(serving.events[0]).toMatchObject({
      event: 'retry',
      error: 'the gateway refused (NOT_FOUND: no such node)',
    });
  });

  it('a claim fixed with --claim-tflops that the gateway refuses ends it with exit 2 and one line, with or without --once', async () => {
    for (const once of [false, true]) {
      const t = agent(
        [
          { call: 'joinSession', result: session() },
          {
            call: 'requestCertification',
            error: new GatewayRequestError(
              'BAD_USER_INPUT',
              'claimedTflops must be greater than 0 and at most 100000',
              'claimedTflops',
            ),
          },
          // Were it retried, it would join and be refused again.
          { call: 'joinSession', result: session() },
        ],
        { once, claimTflops: 200_000 },
      );
      expect(await t.run()).toBe(EXIT.usage);
      expect(t.calls.map(([c]) => c)).toEqual(['joinSession', 'requestCertification']);
      expect(t.sleeps).toEqual([]);
      expect(t.events.at(-1)).toEqual({
        event: 'error',
        message:
          'the gateway refuses --claim-tflops 200000 (claimedTflops must be greater than 0 and at most 100000): give a claim it accepts, or leave --claim-tflops out to claim what this GPU measures',
      });
      expect(t.events.some((e) => e.event === 'retry')).toBe(false);
    }
  });

  it('a refusal a retry may overcome is still retried with --claim-tflops: the gateway unavailable, a timeout, another field', async () => {
    const t = agent(
      [
        { call: 'joinSession', result: session() },
        {
          call: 'requestCertification',
          error: new GatewayUnavailableError('the gateway could not answer now (UNAVAILABLE: rebuilding)'),
        },
        { call: 'joinSession', result: session() },
        {
          call: 'requestCertification',
          error: new GatewayUnavailableError('the gateway could not answer now (TIMEOUT: late)'),
        },
        { call: 'joinSession', result: session() },
        { call: 'requestCertification', error: new GatewayRequestError('BAD_USER_INPUT', 'no', 'precision') },
        { call: 'joinSession', result: session() },
        ...certifying('c1'),
      ],
      { claimTflops: 5 },
    );
    expect(await t.run()).toBe(EXIT.ok);
    expect(t.proved).toEqual(['c1']);
    expect(t.events.filter((e) => e.event === 'retry')).toHaveLength(3);
  });

  it('a measured claim the gateway refuses is retried without --once', async () => {
    const t = agent([
      { call: 'joinSession', result: session() },
      {
        call: 'requestCertification',
        error: new GatewayRequestError('BAD_USER_INPUT', 'claim too low', 'claimedTflops'),
      },
      { call: 'joinSession', result: session() },
      ...certifying('c1'),
    ]);
    expect(await t.run()).toBe(EXIT.ok);
    expect(t.proved).toEqual(['c1']);
    expect(t.events.find((e) => e.event === 'retry')).toMatchObject({
      error: 'the gateway refused (BAD_USER_INPUT: claim too low)',
    });
  });

  it('waits at least as long as the gateway asked before retrying (RATE_LIMITED, a rebuild), never past 30 s', async () => {
    const limited = (retryAfterMs?: number) => ({
      call: 'joinSession' as const,
      error: new GatewayUnavailableError(
        'the gateway could not answer now (RATE_LIMITED: too many)',
        retryAfterMs,
      ),
    });
    const t = agent([
      limited(7000),
      limited(500),
      limited(10 * 60_000),
      limited(),
      { call: 'joinSession', result: session({ status: 'CERTIFIED', certifiedUntil: until }) },
    ]);
    expect(await t.run()).toBe(EXIT.ok);
    // Asked 7 s (backoff 1 s), 0.5 s (backoff 2 s), 10 min (capped), nothing (backoff 8 s).
    expect(
      t.events.filter((e) => e.event === 'retry').map((e) => (e as { delayMs: number }).delayMs),
    ).toEqual([7000, 2000, 30000, 8000]);
    expect(t.sleeps.slice(0, 4)).toEqual([7000, 2000, 30000, 8000]);
  });

  it('retries an UNAVAILABLE that says when (a read model rebuilt) at that time, the backoff not grown', async () => {
    const rebuilding = (call: 'joinSession' | 'heartbeat') => ({
      call,
      error: new GatewayUnavailableError(
        'the gateway could not answer now (UNAVAILABLE: rebuilding)',
        1000,
        undefined,
        'UNAVAILABLE',
      ),
    });
    const certified = session({ status: 'CERTIFIED', certifiedUntil: until });
    const t = agent([
      { call: 'joinSession', result: certified },
      { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
      // Redis flushed: the heartbeat, then the joins, answered UNAVAILABLE for 40 s of rebuild.
      rebuilding('heartbeat'),
      ...Array.from({ length: 40 }, () => rebuilding('joinSession')),
      { call: 'joinSession', error: new GatewayUnavailableError('down', undefined, 'ECONNREFUSED') },
      { call: 'joinSession', result: { ...certified, sessionId: 's2' } },
    ]);
    expect(await t.run()).toBe(EXIT.ok);
    const delays = t.events.filter((e) => e.event === 'retry').map((e) => (e as { delayMs: number }).delayMs);
    // Each about the 1 s asked (random 0.5: +5 %), however long it lasts, where the backoff
    // would have grown to 30 s; the failure without a time after it backs off from 1 s on.
    expect(delays).toEqual([...Array.from({ length: 41 }, () => 1050), 1000]);
    expect(
      t.events.filter((e) => e.event === 'retry').map((e) => (e as { attempt: number }).attempt),
    ).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    // The model whole again, the worker is back within about a second, not up to 30 s later.
    expect(Math.max(...t.sleeps.slice(1, 42))).toBe(1050);
  });

  it('keeps the backoff for a RATE_LIMITED or a 503 with a time, and a timed UNAVAILABLE is bounded', async () => {
    const failing = (code: string | undefined, retryAfterMs: number) => ({
      call: 'joinSession' as const,
      error: new GatewayUnavailableError(`failing (${code})`, retryAfterMs, undefined, code),
    });
    const t = agent([
      failing('RATE_LIMITED', 100),
      failing(undefined, 100),
      failing('UNAVAILABLE', 10 * 60_000),
      failing('UNAVAILABLE', 0.5),
      failing('TIMEOUT', 100),
      { call: 'joinSession', result: session({ status: 'CERTIFIED', certifiedUntil: until }) },
    ]);
    expect(await t.run()).toBe(EXIT.ok);
    expect(
      t.events.filter((e) => e.event === 'retry').map((e) => (e as { delayMs: number }).delayMs),
    ).toEqual([1000, 2000, 10_500, 525, 4000]);
  });

  it('refuses a --claim-tflops this GPU cannot meet before joining or asking for anything: exit 2, its reason', async () => {
    for (const once of [true, false]) {
      const checked: number[] = [];
      const t = agent([{ call: 'joinSession', result: session() }, ...certifying('c1')], {
        once,
        claimTflops: 5000,
        checkClaim: async (claim) => {
          checked.push(claim);
          return '--claim-tflops 5000 is more than 2× what this adapter measured';
        },
      });
      expect(await t.run()).toBe(EXIT.usage);
      expect(checked).toEqual([5000]);
      expect(t.calls).toEqual([]);
      expect(t.proved).toEqual([]);
      expect(t.events).toEqual([
        { event: 'error', message: '--claim-tflops 5000 is more than 2× what this adapter measured' },
      ]);
    }
  });

  it('goes on as before with a --claim-tflops the check passes, and checks no measured claim', async () => {
    const checked: number[] = [];
    const checkClaim = async (claim: number) => (checked.push(claim), null);
    const t = agent([{ call: 'joinSession', result: session() }, ...certifying('c1')], {
      once: true,
      claimTflops: 0.015,
      checkClaim,
    });
    expect(await t.run()).toBe(EXIT.ok);
    expect(checked).toEqual([0.015]);
    expect(t.calls.find(([c]) => c === 'requestCertification')?.[1]).toEqual([0.015]);
    const measured = agent([{ call: 'joinSession', result: session() }, ...certifying('c1')], {
      once: true,
      checkClaim,
    });
    expect(await measured.run()).toBe(EXIT.ok);
    expect(checked).toEqual([0.015]);
  });

  it('stops at once when the stop signal comes during a backoff', async () => {
    const t = agent([{ call: 'joinSession', error: new GatewayUnavailableError('down') }]);
    t.controller.abort();
    expect(await t.run()).toBe(EXIT.ok);
    expect(t.calls).toEqual([]);
  });

  it("lets other failures (the GPU's) through", async () => {
    const t = agent([{ call: 'joinSession', result: session() }], { once: true });
    const broken = new WorkerAgent({
      client: {
        ...scripted(
          [
            { call: 'joinSession', result: session() },
            { call: 'requestCertification', result: ticket('c1') },
          ],
          () => undefined,
        ).client,
      },
      prove: () => Promise.reject(new Error('device lost')),
      measureClaim: async (size) => ({ claimTflops: 1, measuredTflops: 2, size, safetyFactor: 0.5 }),
      once: true,
      report: () => undefined,
      signal: t.controller.signal,
    });
    await expect(broken.run()).rejects.toThrow('device lost');
  });

  describe('a challenge whose own data is wrong', () => {
    const spotWith = (over: Partial<Record<keyof Challenge, unknown>>): ChallengeTicket => ({
      id: 'spot1',
      purpose: 'SPOT',
      challenge: { ...challenge('spot1'), ...over } as Challenge,
    });
    const certified = session({ heartbeatIntervalMs: 500, status: 'CERTIFIED', certifiedUntil: until });
    const beat = (challenge: ChallengeTicket | null = null) => ({
      call: 'heartbeat' as const,
      result: { status: 'CERTIFIED', challenge },
    });
    const errors = (events: JoinEvent[]) =>
      events.filter((e): e is Extract<JoinEvent, { event: 'error' }> => e.event === 'error');

    it.each<[string, Partial<Record<keyof Challenge, unknown>>, RegExp]>([
      ['n 0', { n: 0 }, /its size n = 0 is not an integer in 1\.\.256 \(the session's largest\)$/],
      ['n -1', { n: -1 }, /n = -1 is not an integer/],
      ['n NaN', { n: NaN }, /n = NaN is not an integer/],
      ['n 1.5', { n: 1.5 }, /n = 1\.5 is not an integer/],
      ['n past the session', { n: 512 }, /n = 512 is not an integer in 1\.\.256/],
      ['n huge', { n: 2 ** 40 }, /n = 1099511627776 is not an integer/],
      ['products 0', { products: 0 }, /its product count 0 is not an integer in 1\.\.1048576$/],
      ['products -1', { products: -1 }, /product count -1/],
      ['products NaN', { products: NaN }, /product count NaN/],
      ['products 1.5', { products: 1.5 }, /product count 1\.5/],
      ['products huge', { products: 2 ** 21 }, /product count 2097152/],
      [
        'a seed not lowercase hex',
        { seed: 'ABCDEF'.repeat(5) + 'AB' },
        /its seed "ABCDEF.*" is not 32 lowercase hex/,
      ],
      ['a short seed', { seed: 'abc' }, /its seed "abc" is not 32/],
      ['a seed not a string', { seed: 7 }, /its seed 7 is not 32/],
      ['an unknown precision', { precision: 'f64' }, /its precision "f64" is not f32 or f16$/],
      ['a deadline before its issue', { deadline: NOW - 1 }, /its deadline .* is not a time after its issue/],
      ['a claim of 0', { claimedTflops: 0 }, /its claim 0 TFLOP\/s/],
    ])('%s: not answered, said once, and the agent keeps heartbeating', async (_what, over, said) => {
      const t = agent([
        { call: 'joinSession', result: certified },
        beat(spotWith(over)),
        // Offered again at every heartbeat until it is due.
        beat(spotWith(over)),
        beat(),
      ]);
      expect(await t.run()).toBe(EXIT.ok);
      expect(t.calls.map(([c]) => c)).toEqual([
        'joinSession',
        'heartbeat',
        'heartbeat',
        'heartbeat',
        'heartbeat',
      ]);
      expect(t.proved).toEqual([]);
      expect(errors(t.events)).toHaveLength(1);
      expect(errors(t.events)[0]!.message).toMatch(
        /^spot challenge spot1 not answered \(it fails at its deadline\): /,
      );
      expect(errors(t.events)[0]!.message).toMatch(said);
      expect(t.events.some((e) => e.event === 'verdict' || e.event === 'challenge')).toBe(false);
      expect(t.sleeps).toEqual([500, 500, 500]);
    });

    it("a spot check at the certificate's size is answered even where the session's largest is smaller now", async () => {
      const t = agent([
        { call: 'joinSession', result: { ...certified, spotChallengeSize: 512 } },
        beat(spotWith({ n: 512 })),
        {
          call: 'commitChallenge',
          result: { challengeId: 'spot1', leaves: [], committedAt: NOW, respondBy: NOW + 2000 },
        },
        { call: 'answerChallenge', result: passed('spot1') },
      ]);
      expect(await t.run()).toBe(EXIT.ok);
      expect(t.proved).toEqual(['spot1']);
    });

    it('--once: a certification challenge not answered exits 1; without --once the next waits for it to be due', async () => {
      const bad: ChallengeTicket = { ...ticket('c1'), challenge: { ...challenge('c1'), products: 0 } };
      const once = agent(
        [
          { call: 'joinSession', result: session() },
          { call: 'requestCertification', result: bad },
        ],
        { once: true },
      );
      expect(await once.run()).toBe(EXIT.failed);
      expect(once.proved).toEqual([]);
      expect(errors(once.events)[0]!.message).toMatch(
        /^certification challenge c1 not answered .*: its product count 0/,
      );
      // It stays in flight at the gateway for its 1.5 s: asking again sooner would be refused.
      const serving = agent([
        { call: 'joinSession', result: session({ heartbeatIntervalMs: 400 }) },
        { call: 'requestCertification', result: bad },
        { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
        { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
        { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
        { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
        ...certifying('c2'),
      ]);
      expect(await serving.run()).toBe(EXIT.ok);
      expect(serving.proved).toEqual(['c2']);
    });

    it('a challenge the device cannot hold (the prover refuses it) is not answered; the GPU is not a failure then', async () => {
      const t = agent(
        [{ call: 'joinSession', result: certified }, beat(ticket('spot1', 'SPOT')), beat(), beat()],
        {
          proving: () =>
            Promise.reject(
              new BadChallengeError(
                'a 256×256 f32 matrix needs 262144 bytes; this device binds at most 1024',
              ),
            ),
        },
      );
      expect(await t.run()).toBe(EXIT.ok);
      expect(t.calls.map(([c]) => c)).toEqual([
        'joinSession',
        'heartbeat',
        'heartbeat',
        'heartbeat',
        'heartbeat',
      ]);
      expect(errors(t.events)[0]!.message).toMatch(/not answered .*this device binds at most 1024$/);
    });

    it('an open request the prover refuses (a leaf outside the challenge) is not answered and the proof let go', async () => {
      const t = agent(
        [
          { call: 'joinSession', result: certified },
          beat(ticket('spot1', 'SPOT')),
          {
            call: 'commitChallenge',
            result: {
              challengeId: 'spot1',
              leaves: [{ product: 7, row: 0, chunk: 0, columns: [0] }],
              committedAt: NOW,
              respondBy: NOW + 2000,
            },
          },
          beat(),
        ],
        {
          open: () =>
            Promise.reject(new BadChallengeError("its open request's leaf 0: product 7 outside 0..1")),
        },
      );
      expect(await t.run()).toBe(EXIT.ok);
      expect(t.calls.map(([c]) => c)).toEqual([
        'joinSession',
        'heartbeat',
        'commitChallenge',
        'heartbeat',
        'heartbeat',
      ]);
      expect(t.discarded).toEqual(['spot1']);
      expect(errors(t.events)).toHaveLength(1);
      expect(errors(t.events)[0]!.message).toMatch(/product 7 outside 0\.\.1$/);
    });

    it("an open request not of the protocol's shape (BAD_RESPONSE: a null leaf) is not answered either; the session goes on", async () => {
      const t = agent([
        { call: 'joinSession', result: certified },
        beat(ticket('spot1', 'SPOT')),
        {
          call: 'commitChallenge',
          error: new GatewayRequestError(
            'BAD_RESPONSE',
            'the gateway\'s answer to commitChallenge is not what the protocol says: {"leaves":[null]}',
          ),
        },
        beat(),
      ]);
      expect(await t.run()).toBe(EXIT.ok);
      expect(t.calls.map(([c]) => c)).toEqual([
        'joinSession',
        'heartbeat',
        'commitChallenge',
        'heartbeat',
        'heartbeat',
      ]);
      expect(t.discarded).toEqual(['spot1']);
      expect(t.events.some((e) => e.event === 'retry')).toBe(false);
      expect(errors(t.events)[0]!.message).toMatch(/not what the protocol says/);
    });
  });

  it('stopped while it proves: does not wait for the proof, sends nothing of it, and lets it go once it is done', async () => {
    const { done: proved, release } = gate();
    const t = agent(
      [
        { call: 'joinSession', result: session({ heartbeatIntervalMs: 5 }) },
        { call: 'requestCertification', result: ticket('c1') },
        { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
        { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
      ],
      { proving: () => proved },
    );
    const watch = setInterval(() => {
      if (t.calls.some(([c]) => c === 'heartbeat')) t.controller.abort();
    }, 1);
    let timer: NodeJS.Timeout | undefined;
    try {
      const ended = await Promise.race([
        t.run(),
        new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting for the proof'), 2000))),
      ]);
      expect(ended).toBe(EXIT.ok);
    } finally {
      clearInterval(watch);
      clearTimeout(timer);
      release();
    }
    await proved;
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.calls.map(([c]) => c)).not.toContain('commitChallenge');
    expect(t.discarded).toEqual(['c1']);
  });

  describe('heartbeats through every step, at the interval from the last one sent', () => {
    // Capacity declares a node lost after a few intervals of silence: a step that sends none (an
    // opening computes the opened products again, seconds where the proof took seconds), or a
    // wait counted anew at each step, adds up to a silence the session cannot take.

    it('heartbeats while it opens a proof: the opened products are computed again', async () => {
      const { done, release } = gate();
      const t = agent(
        [
          { call: 'joinSession', result: session({ heartbeatIntervalMs: 5 }) },
          { call: 'requestCertification', result: ticket('c1') },
          {
            call: 'commitChallenge',
            result: { challengeId: 'c1', rows: [1], r: [], committedAt: NOW, respondBy: NOW + 2000 },
          },
          { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
          { call: 'answerChallenge', result: passed('c1') },
        ],
        {
          once: true,
          open: async (r) => {
            await done;
            return { challengeId: r.challengeId, leaves: [] };
          },
        },
      );
      // The opening ends after a heartbeat, or (so that an agent that sends none fails rather than
      // hangs) after many intervals.
      const fallback = setTimeout(release, 500);
      try {
        expect(await runReleasing(t, 1, release)).toBe(EXIT.ok);
      } finally {
        clearTimeout(fallback);
      }
      expect(t.calls.map(([c]) => c)).toEqual([
        'joinSession',
        'requestCertification',
        'commitChallenge',
        'heartbeat',
        'answerChallenge',
      ]);
    });

    it('counts the wait for the next heartbeat from the last one sent, not from the step that began since', async () => {
      const { done, release } = gate();
      // An interval of 200 ms; the kernels got ready in 150 (no heartbeat due), the claim's
      // measurement has taken 150 more when its own wait begins: a heartbeat is due at once.
      const t: ReturnType<typeof agent> = agent(
        [
          { call: 'joinSession', result: session({ heartbeatIntervalMs: 200 }) },
          { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null } },
          ...certifying('c1'),
        ],
        {
          once: true,
          prepare: async () => t.elapse(150),
          measuring: () => {
            t.elapse(150);
            return done;
          },
        },
      );
      // The measurement ends after a heartbeat, or half an interval later (real time): an agent
      // that waited a whole interval from the measurement's start sends none before.
      const fallback = setTimeout(release, 100);
      try {
        expect(await runReleasing(t, 1, release)).toBe(EXIT.ok);
      } finally {
        clearTimeout(fallback);
      }
      expect(t.calls.map(([c]) => c)).toEqual([
        'joinSession',
        'heartbeat',
        'requestCertification',
        'commitChallenge',
        'answerChallenge',
      ]);
    });
  });

  it('times its heartbeats on the monotonic clock: a wall clock stepped back does not stretch the wait', async () => {
    const controller = new AbortController();
    let wall = NOW;
    let monotonic = 0;
    const sleeps: number[] = [];
    const { client } = scripted(
      [
        { call: 'joinSession', result: session({ status: 'CERTIFIED', certifiedUntil: until }) },
        { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
        { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
      ],
      () => controller.abort(),
    );
    const heartbeat = client.heartbeat.bind(client);
    // NTP steps the wall clock back an hour during each heartbeat, which takes 100 ms.
    client.heartbeat = (id) => {
      wall -= 3_600_000;
      monotonic += 100;
      return heartbeat(id);
    };
    const a = new WorkerAgent({
      client,
      prove: () => Promise.reject(new Error('no challenge here')),
      measureClaim: () => Promise.reject(new Error('no claim here')),
      once: false,
      report: () => undefined,
      signal: controller.signal,
      now: () => wall,
      clock: () => monotonic,
      sleep: async (ms) => {
        sleeps.push(ms);
        monotonic += ms;
      },
    });
    expect(await a.run()).toBe(EXIT.ok);
    expect(sleeps).toEqual([900, 900]);
  });

  describe('--f16: f16 certified apart, after f32', () => {
    const f16Ticket = (id: string): ChallengeTicket => ({
      ...ticket(id),
      challenge: { ...challenge(id), precision: 'f16' },
    });
    const certifyingF16 = (id: string, verdict: ChallengeVerdict = passed(id)): Step[] => [
      { call: 'requestCertification', result: f16Ticket(id) },
      {
        call: 'commitChallenge',
        result: { challengeId: id, rows: [1], r: [], committedAt: NOW, respondBy: NOW + 2000 },
      },
      { call: 'answerChallenge', result: verdict },
    ];

    it('measures an f16 claim of its own and asks for an f16 challenge once f32 is certified', async () => {
      const t = agent(
        [{ call: 'joinSession', result: session() }, ...certifying('c1'), ...certifyingF16('h1')],
        {
          once: true,
          claimTflops: 5,
          certifyF16: true,
        },
      );
      expect(await t.run()).toBe(EXIT.ok);
      // --claim-tflops is the f32 claim; the f16 one is measured with the f16 kernel.
      expect(t.measured).toEqual([[256, 'f16']]);
      expect(t.calls.filter(([c]) => c === 'requestCertification')).toEqual([
        ['requestCertification', [5]],
        ['requestCertification', [0.01, 'f16']],
      ]);
      expect(t.proved).toEqual(['c1', 'h1']);
      expect(t.events.filter((e) => e.event === 'claim')).toMatchObject([
        { precision: 'f32', source: 'option' },
        { precision: 'f16', source: 'measured' },
      ]);
      expect(t.events.filter((e) => e.event === 'challenge')).toMatchObject([
        { precision: 'f32' },
        { precision: 'f16' },
      ]);
    });

    it('does not ask for f16 when f32 failed, nor without --f16', async () => {
      const failing = agent([{ call: 'joinSession', result: session() }, ...certifying('c1', failed('c1'))], {
        once: true,
        certifyF16: true,
      });
      expect(await failing.run()).toBe(EXIT.failed);
      expect(failing.calls.filter(([c]) => c === 'requestCertification')).toHaveLength(1);
      const plain = agent([{ call: 'joinSession', result: session() }, ...certifying('c1')], { once: true });
      expect(await plain.run()).toBe(EXIT.ok);
      expect(plain.measured).toEqual([[256, 'f32']]);
    });

    it('an f16 request the gateway refuses is reported and leaves the f32 certificate as it is', async () => {
      const t = agent(
        [
          { call: 'joinSession', result: session() },
          ...certifying('c1'),
          {
            call: 'requestCertification',
            error: new GatewayRequestError(
              'BAD_USER_INPUT',
              'a claim of 9999 TFLOP/s is more than 1.25 × the peak',
            ),
          },
        ],
        { once: true, certifyF16: true },
      );
      expect(await t.run()).toBe(EXIT.ok);
      expect(t.events.find((e) => e.event === 'error')).toMatchObject({
        message: expect.stringMatching(/^f16 certification refused: BAD_USER_INPUT: /),
      });
    });
  });

  describe('stopped, it leaves its session: the node stops selling now, not a heartbeat window later', () => {
    const serving: Step[] = [
      {
        call: 'joinSession',
        result: session({ heartbeatIntervalMs: 5, status: 'CERTIFIED', certifiedUntil: until }),
      },
      { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null }, stop: true },
    ];

    it('leaves the session it serves, waiting LEAVE_TIMEOUT_MS at most, and says how the node stands', async () => {
      const t = agent([
        ...serving,
        { call: 'leaveSession', result: { status: 'SUSPENDED', suspendedReason: 'NODE_LEFT' } },
      ]);
      expect(await t.run()).toBe(EXIT.ok);
      expect(t.calls.map(([c]) => c)).toEqual(['joinSession', 'heartbeat', 'leaveSession']);
      expect(t.calls.at(-1)).toEqual(['leaveSession', ['s1', LEAVE_TIMEOUT_MS]]);
      expect(t.events.at(-1)).toEqual({
        event: 'left',
        sessionId: 's1',
        status: 'SUSPENDED',
        suspendedReason: 'NODE_LEFT',
      });
    });

    it('stopped while it proves a certification, it leaves too (the proof let go)', async () => {
      const { done: proving } = gate();
      const t = agent(
        [
          { call: 'joinSession', result: session({ heartbeatIntervalMs: 5 }) },
          { call: 'requestCertification', result: ticket('c1') },
          { call: 'heartbeat', result: { status: 'UNCERTIFIED', challenge: null }, stop: true },
          { call: 'leaveSession', result: { status: 'UNCERTIFIED', suspendedReason: null } },
        ],
        { proving: () => proving },
      );
      expect(await t.run()).toBe(EXIT.ok);
      expect(t.calls.map(([c]) => c)).toEqual([
        'joinSession',
        'requestCertification',
        'heartbeat',
        'leaveSession',
      ]);
      expect(t.events.at(-1)).toEqual({ event: 'left', sessionId: 's1', status: 'UNCERTIFIED' });
    });

    it('a session that had ended already (NOT_FOUND) is said so; a gateway that does not answer is said to leave the node to be declared lost', async () => {
      const ended = agent([
        ...serving,
        {
          call: 'leaveSession',
          error: new GatewayRequestError('NOT_FOUND', 'session s1 is not the current one'),
        },
      ]);
      expect(await ended.run()).toBe(EXIT.ok);
      expect(ended.events.at(-1)).toEqual({ event: 'left', sessionId: 's1', ended: true });
      const down = agent([
        ...serving,
        {
          call: 'leaveSession',
          error: new GatewayUnavailableError('the gateway did not answer (timed out)'),
        },
      ]);
      expect(await down.run()).toBe(EXIT.ok);
      expect(down.events.at(-1)).toEqual({
        event: 'left',
        sessionId: 's1',
        error: 'the gateway did not answer (timed out)',
      });
    });

    it('stopped before any join, or with its credential refused, or with --once, it leaves nothing', async () => {
      const never = agent([{ call: 'joinSession', error: new GatewayUnavailableError('down'), stop: true }]);
      expect(await never.run()).toBe(EXIT.ok);
      expect(never.left).toEqual([]);
      const refused = agent([{ call: 'joinSession', error: new CredentialRefusedError('revoked') }]);
      expect(await refused.run()).toBe(EXIT.refused);
      expect(refused.left).toEqual([]);
      const once = agent([{ call: 'joinSession', result: session() }, ...certifying('c1')], { once: true });
      expect(await once.run()).toBe(EXIT.ok);
      expect(once.left).toEqual([]);
      expect(once.calls.some(([c]) => c === 'leaveSession')).toBe(false);
    });
  });

  describe('another worker joins as the node: this one stops (exit 4), so the two do not take it from each other', () => {
    const replaced = () =>
      new GatewayRequestError(
        'NOT_FOUND',
        'session s1 was replaced by another session of node n1',
        'sessionId',
        SESSION_REPLACED,
      );

    it('a heartbeat refused SESSION_REPLACED ends it: it neither joins again nor leaves the session it no longer holds', async () => {
      const t = agent([
        {
          call: 'joinSession',
          result: session({ heartbeatIntervalMs: 5, status: 'CERTIFIED', certifiedUntil: until }),
        },
        { call: 'heartbeat', result: { status: 'CERTIFIED', challenge: null } },
        { call: 'heartbeat', error: replaced() },
      ]);
      expect(await t.run()).toBe(EXIT.replaced);
      expect(t.calls.map(([c]) => c)).toEqual(['joinSession', 'heartbeat', 'heartbeat']);
      expect(t.left).toEqual([]);
      expect(t.events.at(-1)).toEqual({ event: 'replaced', sessionId: 's1', nodeId: 'n1' });
    });

    it('a certification step refused NOT_FOUND asks its session by a heartbeat: replaced, it stops; lost, it joins again', async () => {
      const voided = new GatewayRequestError('NOT_FOUND', 'challenge c1 counts no more', 'challengeId');
      const stops = agent([
        { call: 'joinSession', result: session() },
        { call: 'requestCertification', result: ticket('c1') },
        { call: 'commitChallenge', error: voided },
        { call: 'heartbeat', error: replaced() },
      ]);
      expect(await stops.run()).toBe(EXIT.replaced);
      expect(stops.events.at(-1)).toMatchObject({ event: 'replaced' });
      const rejoins = agent([
        { call: 'joinSession', result: session() },
        { call: 'requestCertification', result: ticket('c1') },
        { call: 'commitChallenge', error: voided },
        {
          call: 'heartbeat',
          error: new GatewayRequestError(
            'NOT_FOUND',
            "session s1 is not the node's current one",
            'sessionId',
          ),
        },
        { call: 'joinSession', result: session({ sessionId: 's2' }), stop: true },
      ]);
      expect(await rejoins.run()).toBe(EXIT.ok);
      expect(rejoins.calls.filter(([c]) => c === 'joinSession')).toHaveLength(2);
      expect(rejoins.events.some((e) => e.event === 'replaced')).toBe(false);
    });
  });

  describe('--once beside a live worker: it takes nothing (exit 5) unless --replace; a plain join takes over', () => {
    const live = () =>
      new GatewayRequestError(
        'ALREADY_EXISTS',
        'node n1 has a live session started 2030-01-01T00:00:00.000Z',
        'replace',
        SESSION_LIVE,
        {
          code: 'ALREADY_EXISTS',
          field: 'replace',
          reason: SESSION_LIVE,
          nodeId: 'n1',
          sessionStartedAt: '2029-12-31T23:00:00.000Z',
          lastHeartbeatAt: '2029-12-31T23:59:58.000Z',
          heartbeatTimeoutMs: 20_000,
        },
      );

    it('--once asks not to replace a live session; refused so, it says what runs and since when, and exits 5 having sent nothing more', async () => {
      const t = agent([{ call: 'joinSession', error: live() }], { once: true });
      expect(await t.run()).toBe(EXIT.busy);
      expect(EXIT.busy).toBe(5);
      expect(t.calls).toEqual([
        ['joinSession', [undefined, { unlessLive: { sessionId: expect.stringMatching(SESSION_ID) } }]],
      ]);
      expect(t.left).toEqual([]);
      expect(t.sleeps).toEqual([]);
      expect(t.events).toEqual([
        { event: 'joining', gateway: 'http://gw/graphql', tries: ONCE_TRIES },
        {
          event: 'busy',
          message: 'node n1 has a live session started 2030-01-01T00:00:00.000Z',
          nodeId: 'n1',
          sessionStartedAt: '2029-12-31T23:00:00.000Z',
          lastHeartbeatAt: '2029-12-31T23:59:58.000Z',
        },
      ]);
    });

    it('--once whose join answer was lost tries again under the same session id: the session that join started is its own, resumed, not refused as live', async () => {
      const t = agent(
        [
          {
            call: 'joinSession',
            error: new GatewayUnavailableError('the gateway at http://gw/graphql did not answer'),
          },
          { call: 'joinSession', result: session({ status: 'CERTIFIED', certifiedUntil: until }) },
        ],
        { once: true },
      );
      expect(await t.run()).toBe(EXIT.ok);
      const tries = t.calls.filter(([c]) => c === 'joinSession');
      expect(tries).toEqual([
        ['joinSession', [undefined, { unlessLive: { sessionId: expect.stringMatching(SESSION_ID) } }]],
        ['joinSession', [undefined, { unlessLive: { sessionId: expect.stringMatching(SESSION_ID) } }]],
      ]);
      const ids = tries.map(
        ([, args]) => (args as [unknown, { unlessLive: { sessionId: string } }])[1].unlessLive.sessionId,
      );
      expect(ids[1]).toBe(ids[0]);
      // Another run: another id.
      const again = agent([{ call: 'joinSession', error: live() }], { once: true });
      await again.run();
      expect(
        (again.calls[0]![1] as [unknown, { unlessLive: { sessionId: string } }])[1].unlessLive.sessionId,
      ).not.toBe(ids[0]);
    });

    it('--once against a gateway from before the live-session check says so, and what to do, not only its validation error', async () => {
      const refused = await onceJoinRefused(
        new GatewayRequestError(
          'GRAPHQL_VALIDATION_FAILED',
          'Unknown argument "replace" on field "Mutation.joinSession".',
        ),
      );
      expect(refused).toEqual({
        code: EXIT.failed,
        last: {
          event: 'error',
          message:
            "the gateway at http://gw/graphql predates --once's check for a live session (it knows no joinSession replace): upgrade the gateway, or, with no other worker running as this node, pass --replace",
        },
      });
    });

    it('--once --replace, and a join without --once (a restarted worker), take the node over as before', async () => {
      const replacing = agent(
        [{ call: 'joinSession', result: session({ status: 'CERTIFIED', certifiedUntil: until }) }],
        { once: true, replace: true },
      );
      expect(await replacing.run()).toBe(EXIT.ok);
      expect(replacing.calls).toEqual([['joinSession', [undefined]]]);
      const restarted = agent([{ call: 'joinSession', result: session(), stop: true }]);
      expect(await restarted.run()).toBe(EXIT.ok);
      expect(restarted.calls[0]).toEqual(['joinSession', [undefined]]);
    });

    it('--once that joined, its session lost since, joins again taking back its own session (not refused by its own heartbeats)', async () => {
      const t = agent(
        [
          { call: 'joinSession', result: session() },
          { call: 'requestCertification', result: ticket('c1') },
          {
            call: 'commitChallenge',
            error: new GatewayRequestError('NOT_FOUND', 'challenge c1 counts no more', 'challengeId'),
          },
          {
            call: 'heartbeat',
            error: new GatewayRequestError(
              'NOT_FOUND',
              "session s1 is not the node's current one",
              'sessionId',
            ),
          },
          { call: 'joinSession', result: session({ sessionId: 's2' }), stop: true },
        ],
        { once: true },
      );
      expect(await t.run()).toBe(EXIT.ok);
      expect(t.calls.filter(([c]) => c === 'joinSession')).toEqual([
        ['joinSession', [undefined, { unlessLive: { sessionId: expect.stringMatching(SESSION_ID) } }]],
        ['joinSession', [undefined]],
      ]);
    });
  });
});
