import {
  consoleReporter,
  formatEvent,
  JoinEvent,
  ONCE_EXIT_LINE,
  refusedLine,
  SUSPENDED_MEANS,
} from './report';

describe('join output', () => {
  function capture(json: boolean) {
    const out: string[] = [];
    const err: string[] = [];
    return {
      report: consoleReporter(
        json,
        (l) => out.push(l),
        (l) => err.push(l),
      ),
      out,
      err,
    };
  }

  it('says a refused credential in one clear line on stderr, in both modes', () => {
    const gateway = 'http://127.0.0.1:4000/graphql';
    const text = capture(false);
    text.report({ event: 'refused', message: 'the node credential is revoked', gateway });
    expect(text.err).toEqual([refusedLine(gateway)]);
    expect(text.out).toEqual([]);
    // It names the gateway asked: on a machine with several stacks, a worker without the stack's
    // variables asks another one, and the credential was blamed.
    expect(refusedLine(gateway)).toBe(
      "gpu-worker: the node credential was refused by the gateway at http://127.0.0.1:4000/graphql (unknown there, revoked, or rotated since): run the worker with the node's current credential (rotateNodeCredential makes a new one), against the gateway that registered the node",
    );
    // Refused after it had joined (its credential rotated or revoked while it ran): what becomes of
    // the node it served, which nothing heartbeats for now, and what to do after a rotation.
    const later = capture(false);
    later.report({ event: 'refused', message: 'rotated', gateway, nodeId: 'n1' });
    expect(later.err).toEqual([
      `${refusedLine(gateway)}. Nothing heartbeats for node n1 now: unless a worker joins with its current credential ` +
        'within its heartbeat window (HEARTBEAT_TIMEOUT_MS, 20 s by default), it is declared lost (a revoked credential ' +
        'suspends it at once): SUSPENDED, its asks cancelled and its running leases credited to their buyers. After ' +
        'rotateNodeCredential, write the new credential to the credential file and start the worker again at once',
    ]);
    const json = capture(true);
    json.report({ event: 'refused', message: 'x', gateway });
    expect(json.err).toEqual([refusedLine(gateway)]);
    expect(json.out.map((l) => JSON.parse(l))).toEqual([{ event: 'refused', message: 'x', gateway }]);
  });

  it('prints one line per retry on stderr, and everything else on stdout', () => {
    const t = capture(false);
    t.report({
      event: 'retry',
      attempt: 2,
      delayMs: 2150,
      error: 'the gateway at http://gw/graphql did not answer (ECONNREFUSED)',
    });
    t.report({ event: 'status', status: 'SUSPENDED' });
    expect(t.err).toEqual([
      'gpu-worker: the gateway at http://gw/graphql did not answer (ECONNREFUSED): retry 2 in 2.1 s',
    ]);
    expect(t.out).toEqual([`gpu-worker: node status: SUSPENDED: ${SUSPENDED_MEANS}`]);
  });

  it('a node reported SUSPENDED (a heartbeat, a join, a failed spot check) says that its asks were cancelled and that certifying it again places none of them again', () => {
    const means =
      'it sells nothing while suspended: its open asks were cancelled (NODE_SUSPENDED) and its running leases ' +
      'ended, their buyers credited; once it is CERTIFIED again, place new asks (placeOrder, side ASK): the ' +
      'cancelled ones are not placed again';
    expect(SUSPENDED_MEANS).toBe(means);
    expect(formatEvent({ event: 'status', status: 'SUSPENDED' })).toBe(`node status: SUSPENDED: ${means}`);
    expect(formatEvent({ event: 'status', status: 'CERTIFIED' })).toBe('node status: CERTIFIED');
    const joined = {
      event: 'joined',
      gateway: 'http://gw/graphql',
      sessionId: 's1',
      nodeId: 'n1',
      heartbeatIntervalMs: 1000,
      challengeSize: 512,
      challengeMaxSize: 4096,
      challengeProductMs: 5,
      spotChallengeSize: 512,
      precision: 'f32',
      certifiedUntil: null,
    } as const;
    expect(formatEvent({ ...joined, status: 'SUSPENDED' })).toBe(
      'joined http://gw/graphql as node n1 (session s1): status SUSPENDED, heartbeat every 1000 ms, challenges f32 ' +
        'from n=512 to n=4096, sized for products of 5 ms at the claim; spot checks at n=512. ' +
        `The node is SUSPENDED: ${means}`,
    );
    expect(formatEvent({ ...joined, status: 'SUSPENDED', suspendedReason: 'NODE_LOST' })).toBe(
      'joined http://gw/graphql as node n1 (session s1): status SUSPENDED (NODE_LOST), heartbeat every 1000 ms, ' +
        'challenges f32 from n=512 to n=4096, sized for products of 5 ms at the claim; spot checks at n=512. ' +
        `The node is SUSPENDED: ${means}`,
    );
    expect(formatEvent({ ...joined, status: 'UNCERTIFIED' })).not.toContain('asks');
    // A node whose market has closed sells nothing more: joining says so, and what to do instead.
    expect(formatEvent({ ...joined, status: 'CERTIFIED', marketId: 'm1', marketStatus: 'CLOSED' })).toBe(
      'joined http://gw/graphql as node n1 (session s1): status CERTIFIED, heartbeat every 1000 ms, challenges f32 ' +
        'from n=512 to n=4096, sized for products of 5 ms at the claim; spot checks at n=512. Its market m1 is ' +
        'CLOSED: the node sells nothing more there (asks are refused MARKET_CLOSED, and a closed market never ' +
        'reopens). Keep this worker running only while leases it sold there run (GpuNode.leasedUntil), then stop ' +
        'it; to sell, register a node in an OPEN market (markets)',
    );
    expect(
      formatEvent({ ...joined, status: 'CERTIFIED', marketId: 'm1', marketStatus: 'OPEN' }),
    ).not.toContain('CLOSED');
    expect(
      formatEvent({
        event: 'verdict',
        purpose: 'SPOT',
        precision: 'f32',
        challengeId: 'c1',
        ok: false,
        reason: 'DEADLINE_MISSED',
        detail: 'no commitment before its deadline',
        measuredTflops: null,
        status: 'SUSPENDED',
        tflopsPerGpu: null,
        certifiedUntil: null,
      }),
    ).toBe(
      `spot f32 challenge c1 FAILED: DEADLINE_MISSED (no commitment before its deadline); node SUSPENDED: ${means}`,
    );
    // Failed at its commitment, the node's status not said (the worker may certify it again before
    // a heartbeat says SUSPENDED): what a failed spot check does is said all the same.
    const atCommitment = {
      event: 'verdict',
      precision: 'f32',
      challengeId: 'c1',
      ok: false,
      reason: 'DEADLINE_MISSED',
      detail: 'challenge c1 failed already: DEADLINE_MISSED: no commitment before its deadline',
      measuredTflops: null,
      status: 'UNKNOWN',
      tflopsPerGpu: null,
      certifiedUntil: null,
    } as const;
    expect(formatEvent({ ...atCommitment, purpose: 'SPOT' })).toBe(
      'spot f32 challenge c1 FAILED: DEADLINE_MISSED (challenge c1 failed already: DEADLINE_MISSED: no commitment ' +
        `before its deadline); a failed spot check suspends a node that could sell: ${means}`,
    );
    // A certification that fails suspends nothing: an uncertified node sells nothing to cancel.
    expect(formatEvent({ ...atCommitment, purpose: 'CERTIFICATION' })).not.toContain('asks');
  });

  it('says when a spot check stopped a tuning or a claim, and what kernel a stopped tuning left', () => {
    expect(formatEvent({ event: 'interrupted', work: 'tuning', size: 512, by: 's1' })).toBe(
      'tuning at n=512 stopped by spot challenge s1: answered now with the fastest kernel measured so far; the tuning goes on after it',
    );
    expect(formatEvent({ event: 'interrupted', work: 'claim', size: 1024, by: 's2' })).toBe(
      'measuring a claim at n=1024 stopped by spot challenge s2: answered now; measured again after it',
    );
    const kernel = { event: 'kernel', precision: 'f32', fromCache: false, size: 512, stopped: true } as const;
    expect(formatEvent({ ...kernel, variant: 'f32-r16x16-wg8x1-a4-tex', gflops: 26.96 })).toBe(
      'f32 matmul kernel: f32-r16x16-wg8x1-a4-tex (tuning at n=512 stopped: the fastest measured so far, 27.0 GFLOP/s; the tuning goes on later)',
    );
    expect(formatEvent({ ...kernel, variant: 'f32-r8x4-wg8x8-a4', gflops: null })).toBe(
      'f32 matmul kernel: f32-r8x4-wg8x8-a4 (tuning at n=512 stopped: the default variant, untimed; the tuning goes on later)',
    );
  });

  it('--json: one parseable object per event', () => {
    const t = capture(true);
    const verdict: JoinEvent = {
      event: 'verdict',
      purpose: 'CERTIFICATION',
      precision: 'f32',
      challengeId: 'c1',
      ok: true,
      reason: null,
      detail: null,
      measuredTflops: 0.0213,
      status: 'CERTIFIED',
      tflopsPerGpu: 0.0213,
      certifiedUntil: '2030-01-31T00:00:00.000Z',
    };
    t.report(verdict);
    expect(t.out.map((l) => JSON.parse(l))).toEqual([verdict]);
  });

  it('--once: says on exit that the node, no longer heartbeating, is lost after the heartbeat window, and what to run to sell', () => {
    const t = capture(false);
    t.report({ event: 'exiting', status: 'CERTIFIED' });
    expect(t.err).toEqual([]);
    expect(t.out).toEqual([
      'gpu-worker: --once: exiting with the node CERTIFIED; nothing heartbeats for it once this exits, so capacity ' +
        'declares the node lost after its heartbeat window (HEARTBEAT_TIMEOUT_MS, 20 s by default): a node that ' +
        'can sell is then SUSPENDED, its asks cancelled and its running leases breached, until it certifies ' +
        'again. --once is for certifying; to sell, run gpu-worker join without --once',
    ]);
    expect(t.out[0]).toContain(ONCE_EXIT_LINE);
  });

  it('says how it left its session: the node suspended NODE_LEFT, a session ended already, or no answer (on stderr)', () => {
    const t = capture(false);
    t.report({ event: 'left', sessionId: 's1', status: 'SUSPENDED', suspendedReason: 'NODE_LEFT' });
    t.report({ event: 'left', sessionId: 's1', status: 'UNCERTIFIED' });
    t.report({ event: 'left', sessionId: 's1', ended: true });
    t.report({
      event: 'left',
      sessionId: 's1',
      error: 'the gateway at http://gw/graphql did not answer (timed out)',
    });
    expect(t.out).toEqual([
      'gpu-worker: left session s1: node SUSPENDED (NODE_LEFT): its asks cancelled and its running leases ended now; it may sell again once a worker joins and certifies it, and only by new asks: the cancelled ones are not placed again',
      'gpu-worker: left session s1: node UNCERTIFIED',
      'gpu-worker: session s1 had ended already (lost, or replaced)',
    ]);
    expect(t.err).toEqual([
      'gpu-worker: could not confirm leaving session s1 (the gateway at http://gw/graphql did not answer (timed out)): unless the gateway took it still, capacity declares the node lost after its heartbeat window',
    ]);
  });

  it('says, on stderr, that another worker joined as the node and this one stops', () => {
    const t = capture(false);
    t.report({ event: 'replaced', sessionId: 's1', nodeId: 'n1' });
    expect(t.out).toEqual([]);
    expect(t.err).toEqual([
      "gpu-worker: another worker joined as node n1: its session replaced this one's (s1), and the newest join holds a node, so this worker stops (exit 4) rather than take the node back; run one worker per node",
    ]);
  });

  it('says, on stderr in one line, that --once left a live worker alone: what runs, since when, and what to do', () => {
    const t = capture(false);
    t.report({
      event: 'busy',
      message: 'node n1 has a live session',
      nodeId: 'n1',
      sessionStartedAt: '2030-01-01T00:00:00.000Z',
      lastHeartbeatAt: '2030-01-01T01:00:00.000Z',
    });
    expect(t.out).toEqual([]);
    expect(t.err).toEqual([
      'gpu-worker: another worker runs as node n1 (its session live since 2030-01-01T00:00:00.000Z, last heartbeat 2030-01-01T01:00:00.000Z): --once takes no live session, so nothing changed and that worker keeps the node (exit 5). To run --once, stop that worker first; or pass --replace to take the node over (that worker then stops, exit 4)',
    ]);
    // What an older gateway's refusal left unsaid is left out, not guessed.
    expect(formatEvent({ event: 'busy', message: 'live' })).toMatch(
      /^another worker runs as this node \(its session live\): --once takes no live session/,
    );
  });

  it('says a stop, and a second signal that exits at once', () => {
    expect(formatEvent({ event: 'stopped', signal: 'SIGTERM' })).toBe('stopped (SIGTERM)');
    expect(formatEvent({ event: 'stopped', signal: 'SIGINT', exitCode: 130 })).toBe(
      'stopped again (SIGINT): exiting now (130), the work in flight abandoned and the session not left (capacity declares the node lost after its heartbeat window)',
    );
  });

  it('says a certification a spot check superseded, and that it is asked for again', () => {
    expect(
      formatEvent({
        event: 'superseded',
        purpose: 'CERTIFICATION',
        precision: 'f16',
        challengeId: 'h1',
        by: 'spot1',
      }),
    ).toBe(
      'certification f16 challenge h1 superseded by spot challenge spot1: its proof stopped, the spot check answered now, the certification asked for again after it',
    );
  });

  it('words verdicts for people', () => {
    const base = {
      event: 'verdict',
      purpose: 'CERTIFICATION',
      precision: 'f32',
      challengeId: 'c1',
      status: 'CERTIFIED',
      certifiedUntil: '2030-01-31T00:00:00.000Z',
    } as const;
    expect(
      formatEvent({
        ...base,
        ok: true,
        reason: null,
        detail: null,
        measuredTflops: 0.0213,
        tflopsPerGpu: 0.0213,
      }),
    ).toBe(
      'certification f32 challenge c1 passed: 0.0213 TFLOP/s measured; node CERTIFIED at 0.0213 f32 TFLOP/s per GPU until 2030-01-31T00:00:00.000Z',
    );
    expect(
      formatEvent({
        ...base,
        purpose: 'SPOT',
        status: 'SUSPENDED',
        ok: false,
        reason: 'ROW_MISMATCH',
        detail: 'row 7 differs',
        measuredTflops: null,
        tflopsPerGpu: null,
      }),
    ).toBe(`spot f32 challenge c1 FAILED: ROW_MISMATCH (row 7 differs); node SUSPENDED: ${SUSPENDED_MEANS}`);
    expect(
      formatEvent({
        event: 'claim',
        claimTflops: 0.0104,
        precision: 'f32',
        source: 'measured',
        measuredTflops: 0.0208,
        size: 512,
        safetyFactor: 0.5,
      }),
    ).toBe('claiming 0.0104 f32 TFLOP/s: measured 0.0208 at n=512, derated ×0.5 so the deadline holds');
    expect(
      formatEvent({
        event: 'claim',
        claimTflops: 40,
        precision: 'f32',
        source: 'measured',
        measuredTflops: 52,
        size: 4096,
        safetyFactor: 0.5,
        requiredTflops: 40,
      }),
    ).toBe(
      "claiming 40.00 f32 TFLOP/s, the market's minimum for this node: measured 52.00 at n=4096 (×0.5 would be below it)",
    );
  });

  it('names the adapter, and the Dawn toggles asked for where there are any (Dawn ignores names it does not know)', () => {
    const adapter = {
      vendor: 'nvidia',
      architecture: 'hopper',
      device: '0x2335',
      description: 'NVIDIA H200',
      isFallbackAdapter: false,
      features: ['shader-f16'],
      dawnToggles: [],
      limits: {
        maxStorageBufferBindingSize: 1 << 31,
        maxComputeWorkgroupStorageSize: 49152,
        maxComputeInvocationsPerWorkgroup: 1024,
      },
    };
    expect(formatEvent({ event: 'adapter', adapter })).toBe(
      'adapter: NVIDIA H200 (vendor nvidia, architecture hopper)',
    );
    expect(
      formatEvent({
        event: 'adapter',
        adapter: { ...adapter, dawnToggles: ['vulkan_enable_f16_on_nvidia', 'allow_unsafe_apis'] },
      }),
    ).toBe(
      'adapter: NVIDIA H200 (vendor nvidia, architecture hopper); Dawn toggles asked for: vulkan_enable_f16_on_nvidia,allow_unsafe_apis (Dawn ignores a name it does not know)',
    );
  });
});
