// What the worker agent (agent.ts) is given: the gateway client, the prover and its options, and
// the verdicts it hands on. No GPU or HTTP here either.
import type { Challenge, Commitment, Opening, OpenRequest, Precision } from '@gpux/certification';
import type { ClaimMeasurement } from './claim';
import type {
  ChallengeTicket,
  ChallengeVerdict,
  HeartbeatAck,
  JoinOptions,
  LeftNode,
  VerdictNode,
  WorkerSession,
} from './client';
import type { Reporter } from './report';

/** A node status the agent was not told (a challenge failed at its commitment). */
export const UNKNOWN_STATUS = 'UNKNOWN';

/**
 * A verdict as the agent knows it: the gateway's, or the one it infers from a CHALLENGE_FAILED at
 * the commitment (the reason the error gave; the node's status unknown until the next heartbeat).
 */
export type Verdict = Omit<ChallengeVerdict, 'reason' | 'node'> & {
  reason: string | null;
  node: Omit<VerdictNode, 'status'> & { status: VerdictNode['status'] | typeof UNKNOWN_STATUS };
};

export interface AgentClient {
  readonly url: string;
  /** Where the URL was given (`--gateway`, `GPUX_GATEWAY_URL`, `GPUX_GATEWAY_PORT`), for messages; default --gateway. */
  readonly urlOption?: string;
  /** How long a request waits for the gateway's answer, where known: --once says it as it waits. */
  readonly timeoutMs?: number;
  /**
   * Joins as the node. `replace` false (--once without --replace): a session another worker keeps
   * live is not taken, refused ALREADY_EXISTS with reason SESSION_LIVE; true or absent, it is.
   */
  joinSession(adapter?: string, options?: JoinOptions): Promise<WorkerSession>;
  requestCertification(claimedTflops: number, precision?: Precision): Promise<ChallengeTicket>;
  commitChallenge(challengeId: string, commitment: Commitment): Promise<OpenRequest>;
  answerChallenge(challengeId: string, opening: Opening): Promise<ChallengeVerdict>;
  heartbeat(sessionId: string): Promise<HeartbeatAck>;
  /** Ends the session, waiting `timeoutMs` at most for the answer. */
  leaveSession(sessionId: string, timeoutMs?: number): Promise<LeftNode>;
}

/** Products committed to, ready to open what the verifier asks for (computing them again). */
export interface Proof {
  commitment: Commitment;
  timings: { computeMs: number; totalMs: number };
  /**
   * Computes the opened products again and answers `request`; `signal` stops it (a spot check that
   * supersedes a certification): no more products computed, and the promise rejected.
   */
  open(request: OpenRequest, signal?: AbortSignal): Promise<Opening>;
  /** Frees what was kept for the opening when there will be none. */
  discard(): void;
}

export interface AgentOptions {
  client: AgentClient;
  /**
   * Proves a challenge; `signal` stops it (a spot check that supersedes a certification): no more
   * products submitted, its buffers freed, and the promise rejected.
   */
  prove(challenge: Challenge, signal?: AbortSignal): Promise<Proof>;
  /**
   * Gets the kernels ready for challenges of size n × n (tunes them): called once a session is
   * joined, with heartbeats kept up meanwhile, before any claim is measured or stated or any
   * challenge answered, so tuning never runs inside a deadline. `signal` aborts when a spot check
   * comes meanwhile: the tuning stops soon, leaving kernels that answer at that size at once (the
   * fastest measured so far, or the defaults), and it is prepared again after the check (the
   * tuning going on from where it stopped). Absent: nothing to do.
   */
  prepare?(size: number, signal?: AbortSignal): Promise<void>;
  /**
   * The claim when none was given: measured at the challenge size and precision. `signal` aborts
   * when a spot check comes meanwhile: the measurement stops (its proofs submit no more products)
   * and rejects, and is taken again after the check.
   */
  measureClaim(size: number, precision: string, signal?: AbortSignal): Promise<ClaimMeasurement>;
  /** The f32 claim (--claim-tflops); absent: measured. An f16 claim is always measured. */
  claimTflops?: number;
  /**
   * Why this GPU cannot meet `claimTflops` (far above what it measures: claim.ts,
   * checkClaimOption), or null: asked once, before anything is asked of the gateway. Absent: not
   * checked.
   */
  checkClaim?(claimTflops: number): Promise<string | null>;
  /** After each f32 certification, certify f16 apart too (--f16). */
  certifyF16?: boolean;
  adapter?: string;
  once: boolean;
  /**
   * With --once, take the node's session even when another worker keeps it live (--replace): that
   * worker then stops (exit 4). Without it --once leaves a live session alone (exit 5). A worker
   * without --once always takes the node over (a restarted one).
   */
  replace?: boolean;
  report: Reporter;
  signal: AbortSignal;
  /** Wall-clock ms (certificates' times; default Date.now). */
  now?: () => number;
  /** Monotonic ms, for intervals (default performance.now): NTP may step the wall clock back. */
  clock?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
