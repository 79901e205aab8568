/**
 * What `gpu-worker join` tells its user: one event per line, as text or (--json) as JSON objects.
 * Pure formatting; the agent decides what happens.
 */
import { togglesAskedFor } from '../gpu/toggles';
import type { AdapterDescription } from '../gpu/webgpu';

export type JoinEvent =
  | { event: 'adapter'; adapter: AdapterDescription }
  | {
      event: 'kernel';
      /** The precision of its challenges: f32, or f16 (--f16, accumulating in f32). */
      precision: string;
      variant: string;
      gflops: number | null;
      fromCache: boolean;
      /** The challenge size it was tuned at. */
      size?: number;
      /**
       * Its tuning was stopped (a spot check to answer): the fastest variant measured so far, or the
       * default one (gflops null); the tuning goes on after the check.
       */
      stopped?: boolean;
      fallbackReason?: string;
    }
  | {
      /**
       * A spot check a heartbeat brought while the kernels were tuned at `size` (`tuning`), or a
       * claim measured there (`claim`): that work stopped, the check answered at once (its clock
       * runs from its delivery), and the work done after it (the tuning going on from where it was).
       */
      event: 'interrupted';
      work: 'tuning' | 'claim';
      size: number;
      /** The spot challenge answered now. */
      by: string;
    }
  | {
      event: 'joined';
      gateway: string;
      sessionId: string;
      nodeId: string;
      status: string;
      /** Why the node is suspended, while it is (a gateway before it: absent). */
      suspendedReason?: string | null;
      /** The node's market, and its status: CLOSED, the node sells nothing more (a gateway before them: absent). */
      marketId?: string | null;
      marketStatus?: string | null;
      heartbeatIntervalMs: number;
      challengeSize: number;
      challengeMaxSize: number;
      challengeProductMs: number;
      spotChallengeSize?: number | null;
      precision: string;
      certifiedUntil: string | null;
    }
  | {
      event: 'claim';
      claimTflops: number;
      /** What is claimed: f32, or f16 certified apart (--f16). */
      precision: string;
      source: 'option' | 'measured';
      measuredTflops?: number;
      size?: number;
      safetyFactor?: number;
      /** The market's minimum for the node, claimed where it is above the derated figure and the measured one covers it. */
      requiredTflops?: number;
    }
  | {
      event: 'challenge';
      purpose: string;
      precision: string;
      challengeId: string;
      n: number;
      products: number;
      allowedMs: number;
    }
  | { event: 'committed'; challengeId: string; computeMs: number; totalMs: number }
  | {
      /** A certification ended by a spot check while it was proved: stopped, not answered, asked for again. */
      event: 'superseded';
      purpose: string;
      precision: string;
      challengeId: string;
      /** The spot challenge that ended it, answered now. */
      by: string;
    }
  | {
      event: 'verdict';
      purpose: string;
      /** The challenge's precision, and of tflopsPerGpu: an f16 challenge certifies the f16 figure. */
      precision: string;
      challengeId: string;
      ok: boolean;
      reason: string | null;
      detail: string | null;
      measuredTflops: number | null;
      status: string;
      tflopsPerGpu: number | null;
      certifiedUntil: string | null;
    }
  | { event: 'certified'; status: string; certifiedUntil: string | null }
  | {
      /**
       * --once, done (exit 0): the worker exits and no longer heartbeats, so capacity declares the
       * node lost after its heartbeat window (ONCE_EXIT_LINE).
       */
      event: 'exiting';
      status: string;
    }
  | {
      /**
       * Stopped, the worker left its session (leaveSession): the node as it then stood; or the
       * session had ended already (`ended`), or the gateway did not answer (`error`: the node is
       * declared lost after its heartbeat window instead).
       */
      event: 'left';
      sessionId: string;
      status?: string;
      suspendedReason?: string;
      ended?: true;
      error?: string;
    }
  | {
      /** Another worker joined as the node: its session replaced this one's (exit 4). */
      event: 'replaced';
      sessionId: string;
      nodeId: string;
    }
  | {
      /**
       * --once, without --replace: another worker keeps the node's session live (it heartbeats),
       * so this one took nothing and exits 5; the gateway's refusal, and when that session started
       * and last beat, where it said.
       */
      event: 'busy';
      /** The gateway's refusal. */
      message: string;
      nodeId?: string;
      sessionStartedAt?: string;
      lastHeartbeatAt?: string;
    }
  | { event: 'status'; status: string }
  | {
      event: 'retry';
      attempt: number;
      delayMs: number;
      error: string;
      /** --once, the gateway unavailable: the try that comes next, of how many, and how long it waits for an answer. */
      next?: { attempt: number; of: number; timeoutMs?: number };
    }
  | {
      /**
       * --once, about to join: the gateway asked, how long each try waits for its answer, and how
       * many tries it makes (a gateway that takes connections and never answers is waited for).
       */
      event: 'joining';
      gateway: string;
      tries: number;
      timeoutMs?: number;
    }
  | {
      event: 'refused';
      message: string;
      /** The gateway that refused it: on a machine with several stacks, perhaps not the one meant. */
      gateway: string;
      /**
       * The node this worker had joined as, when the credential was refused after the join (rotated
       * or revoked while it ran): that node is left without a worker.
       */
      nodeId?: string;
    }
  | { event: 'error'; message: string }
  | {
      event: 'stopped';
      signal: string;
      /** A second signal: the process exits now with this code. */
      exitCode?: number;
    };

/** What --once leaves behind when it exits: the node without a worker (join's --help says it too). */
export const ONCE_EXIT_LINE =
  'nothing heartbeats for it once this exits, so capacity declares the node lost after its heartbeat window ' +
  '(HEARTBEAT_TIMEOUT_MS, 20 s by default): a node that can sell is then SUSPENDED, its asks cancelled and its ' +
  'running leases breached, until it certifies again. --once is for certifying; to sell, run ' +
  'gpu-worker join without --once';

/**
 * What a SUSPENDED node means for its provider, said wherever the worker reports the node
 * suspended: a suspension cancels the node's open asks (NODE_SUSPENDED) and ends its running leases,
 * and certifying again places none of them again, so a provider who waited for the worker to
 * recertify the node, and nothing more, sold nothing from then on.
 */
export const SUSPENDED_MEANS =
  'it sells nothing while suspended: its open asks were cancelled (NODE_SUSPENDED) and its running leases ' +
  'ended, their buyers credited; once it is CERTIFIED again, place new asks (placeOrder, side ASK): the ' +
  'cancelled ones are not placed again';

/**
 * What joining a node whose market has closed says: the worker would otherwise heartbeat and answer
 * spot checks for it without end, and its provider take the node for one on sale.
 */
export const marketClosedLine = (marketId: string | null | undefined) =>
  `Its market${marketId ? ` ${marketId}` : ''} is CLOSED: the node sells nothing more there (asks are refused MARKET_CLOSED, and a closed market never reopens). ` +
  'Keep this worker running only while leases it sold there run (GpuNode.leasedUntil), then stop it; to sell, register a node in an OPEN market (markets)';

/**
 * What a refused credential prints, naming the gateway that refused it (--gateway, GPUX_GATEWAY_URL);
 * refused after the worker had joined as `nodeId` (its credential rotated or revoked while it ran),
 * what becomes of that node now that nothing heartbeats for it: a rotation (a routine one among
 * them) stops the running worker, and unless one joins with the new credential within the heartbeat
 * window the node is lost, its asks cancelled and its leases credited.
 */
export const refusedLine = (gateway: string, nodeId?: string) =>
  `gpu-worker: the node credential was refused by the gateway at ${gateway} (unknown there, revoked, or rotated since): run the worker with the node's current credential (rotateNodeCredential makes a new one), against the gateway that registered the node` +
  (nodeId === undefined
    ? ''
    : `. Nothing heartbeats for node ${nodeId} now: unless a worker joins with its current credential within its heartbeat window (HEARTBEAT_TIMEOUT_MS, 20 s by default), it is declared lost (a revoked credential suspends it at once): SUSPENDED, its asks cancelled and its running leases credited to their buyers. After rotateNodeCredential, write the new credential to the credential file and start the worker again at once`);

/** Milliseconds as whole seconds, or with a decimal below 10 s. */
const seconds = (ms: number) => (ms >= 10_000 ? String(Math.round(ms / 1000)) : (ms / 1000).toFixed(1));

const tflops = (x: number | null | undefined) =>
  x === null || x === undefined ? '?' : x < 0.1 ? x.toPrecision(3) : x.toFixed(2);

/**
 * What a failed verdict says of the node: its status, and what a suspension means to its provider.
 * A challenge failed at its commitment comes without the node's status (UNKNOWN: the next heartbeat
 * says it, and the worker may have certified the node again by then), so a failed spot check says
 * what it does to a node that could sell.
 */
function failedNode(e: Extract<JoinEvent, { event: 'verdict' }>): string {
  if (e.status === 'SUSPENDED') return `; node SUSPENDED: ${SUSPENDED_MEANS}`;
  if (e.status !== 'UNKNOWN') return `; node ${e.status}`;
  return e.purpose === 'SPOT'
    ? `; a failed spot check suspends a node that could sell: ${SUSPENDED_MEANS}`
    : '';
}

export function formatEvent(e: JoinEvent): string {
  switch (e.event) {
    case 'adapter': {
      const a = e.adapter;
      const toggles = a.dawnToggles.length > 0 ? `; ${togglesAskedFor(a.dawnToggles)}` : '';
      return `adapter: ${a.description || a.device}${a.isFallbackAdapter ? ' (software fallback: not a GPU)' : ''} (vendor ${a.vendor}, architecture ${a.architecture})${toggles}`;
    }
    case 'kernel':
      if (e.stopped)
        return `${e.precision} matmul kernel: ${e.variant} (tuning${e.size ? ` at n=${e.size}` : ''} stopped: ${e.gflops === null ? 'the default variant, untimed' : `the fastest measured so far, ${e.gflops.toFixed(1)} GFLOP/s`}; the tuning goes on later)`;
      return e.fallbackReason
        ? `${e.precision} matmul kernel: ${e.variant}; autotuning found nothing usable (${e.fallbackReason})`
        : `${e.precision} matmul kernel: ${e.variant} (autotuned${e.size ? ` at n=${e.size}` : ''}${e.fromCache ? ', cached' : ''}: ${e.gflops?.toFixed(1) ?? '?'} GFLOP/s)`;
    case 'joined':
      return (
        `joined ${e.gateway} as node ${e.nodeId} (session ${e.sessionId}): status ${e.status}${e.suspendedReason ? ` (${e.suspendedReason})` : ''}` +
        `${e.certifiedUntil && e.status === 'CERTIFIED' ? ` until ${e.certifiedUntil}` : ''}, heartbeat every ${e.heartbeatIntervalMs} ms, challenges ${e.precision} from n=${e.challengeSize} to n=${e.challengeMaxSize}, sized for products of ${e.challengeProductMs} ms at the claim${e.spotChallengeSize ? `; spot checks at n=${e.spotChallengeSize}` : ''}` +
        (e.status === 'SUSPENDED' ? `. The node is SUSPENDED: ${SUSPENDED_MEANS}` : '') +
        (e.marketStatus === 'CLOSED' ? `. ${marketClosedLine(e.marketId)}` : '')
      );
    case 'claim':
      return e.source === 'option'
        ? `claiming ${tflops(e.claimTflops)} ${e.precision} TFLOP/s (--claim-tflops)`
        : e.requiredTflops !== undefined
          ? `claiming ${tflops(e.claimTflops)} ${e.precision} TFLOP/s, the market's minimum for this node: measured ${tflops(e.measuredTflops)} at n=${e.size} (×${e.safetyFactor} would be below it)`
          : `claiming ${tflops(e.claimTflops)} ${e.precision} TFLOP/s: measured ${tflops(e.measuredTflops)} at n=${e.size}, derated ×${e.safetyFactor} so the deadline holds`;
    case 'challenge':
      return `${e.purpose.toLowerCase()} ${e.precision} challenge ${e.challengeId}: ${e.products} product${e.products === 1 ? '' : 's'} of ${e.n}×${e.n}, ${e.allowedMs} ms allowed`;
    case 'committed':
      return `challenge ${e.challengeId}: committed after ${Math.round(e.totalMs)} ms (products ${Math.round(e.computeMs)} ms on the GPU)`;
    case 'interrupted':
      return e.work === 'tuning'
        ? `tuning at n=${e.size} stopped by spot challenge ${e.by}: answered now with the fastest kernel measured so far; the tuning goes on after it`
        : `measuring a claim at n=${e.size} stopped by spot challenge ${e.by}: answered now; measured again after it`;
    case 'superseded':
      return `${e.purpose.toLowerCase()} ${e.precision} challenge ${e.challengeId} superseded by spot challenge ${e.by}: its proof stopped, the spot check answered now, the certification asked for again after it`;
    case 'verdict':
      return e.ok
        ? `${e.purpose.toLowerCase()} ${e.precision} challenge ${e.challengeId} passed: ${tflops(e.measuredTflops)} TFLOP/s measured; node ${e.status}` +
            `${e.tflopsPerGpu === null ? '' : ` at ${tflops(e.tflopsPerGpu)} ${e.precision} TFLOP/s per GPU`}${e.certifiedUntil ? ` until ${e.certifiedUntil}` : ''}`
        : `${e.purpose.toLowerCase()} ${e.precision} challenge ${e.challengeId} FAILED: ${e.reason ?? 'no reason given'}${e.detail ? ` (${e.detail})` : ''}${failedNode(e)}`;
    case 'certified':
      return `node is ${e.status}${e.certifiedUntil ? ` until ${e.certifiedUntil}` : ''}: no certification needed now`;
    case 'exiting':
      return `--once: exiting with the node ${e.status}; ${ONCE_EXIT_LINE}`;
    case 'left':
      if (e.error !== undefined)
        return `could not confirm leaving session ${e.sessionId} (${e.error}): unless the gateway took it still, capacity declares the node lost after its heartbeat window`;
      if (e.ended) return `session ${e.sessionId} had ended already (lost, or replaced)`;
      return e.suspendedReason === 'NODE_LEFT'
        ? `left session ${e.sessionId}: node SUSPENDED (NODE_LEFT): its asks cancelled and its running leases ended now; it may sell again once a worker joins and certifies it, and only by new asks: the cancelled ones are not placed again`
        : `left session ${e.sessionId}: node ${e.status ?? 'UNKNOWN'}`;
    case 'replaced':
      return `another worker joined as node ${e.nodeId}: its session replaced this one's (${e.sessionId}), and the newest join holds a node, so this worker stops (exit 4) rather than take the node back; run one worker per node`;
    case 'busy': {
      const since = e.sessionStartedAt ? ` since ${e.sessionStartedAt}` : '';
      const beat = e.lastHeartbeatAt ? `, last heartbeat ${e.lastHeartbeatAt}` : '';
      return `another worker runs as ${e.nodeId ? `node ${e.nodeId}` : 'this node'} (its session live${since}${beat}): --once takes no live session, so nothing changed and that worker keeps the node (exit 5). To run --once, stop that worker first; or pass --replace to take the node over (that worker then stops, exit 4)`;
    }
    case 'status':
      return `node status: ${e.status}${e.status === 'SUSPENDED' ? `: ${SUSPENDED_MEANS}` : ''}`;
    case 'retry': {
      const next = e.next
        ? ` (try ${e.next.attempt} of ${e.next.of}${e.next.timeoutMs === undefined ? '' : `, waiting up to ${seconds(e.next.timeoutMs)} s for the gateway's answer`})`
        : '';
      return `${e.error}: retry ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)} s${next}`;
    }
    case 'joining':
      return `joining the gateway at ${e.gateway}${e.timeoutMs === undefined ? '' : `: waiting up to ${seconds(e.timeoutMs)} s for its answer`} (--once: ${e.tries} tries at most while it cannot be reached)`;
    case 'refused':
      return refusedLine(e.gateway, e.nodeId);
    case 'error':
      return e.message;
    case 'stopped':
      return e.exitCode === undefined
        ? `stopped (${e.signal})`
        : `stopped again (${e.signal}): exiting now (${e.exitCode}), the work in flight abandoned and the session not left (capacity declares the node lost after its heartbeat window)`;
  }
}

export type Reporter = (event: JoinEvent) => void;

/** Text lines (stdout; retries, errors and refusals on stderr), or one JSON object per line on stdout. */
export function consoleReporter(
  json: boolean,
  out: (line: string) => void,
  err: (line: string) => void,
): Reporter {
  return (event) => {
    if (event.event === 'refused') err(refusedLine(event.gateway, event.nodeId));
    if (json) out(JSON.stringify(event));
    else if (
      event.event === 'retry' ||
      event.event === 'error' ||
      event.event === 'replaced' ||
      event.event === 'busy' ||
      (event.event === 'left' && event.error !== undefined)
    )
      err(`gpu-worker: ${formatEvent(event)}`);
    else if (event.event !== 'refused') out(`gpu-worker: ${formatEvent(event)}`);
  };
}
