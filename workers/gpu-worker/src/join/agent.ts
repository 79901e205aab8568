/**
 * The worker's life in the marketplace: join a session, certify when the node is not (or soon
 * will not be) certified, then heartbeat and answer spot challenges at once, for as long as it
 * runs. Losing the gateway means backing off (1 s doubling to 30 s, with jitter, never sooner than
 * the gateway asked; an UNAVAILABLE that says when to retry is retried then, the backoff not grown)
 * and joining again, though with --once only ONCE_TRIES times in a row (exit 1);
 * a refused credential ends it (exit 3), and so does a claim given with --claim-tflops that the
 * gateway refuses or that is far above what this GPU measures (checked before joining), or a
 * gateway URL that answers 404 (exit 2: no retry of either can succeed); another worker joining
 * as the node ends it (exit 4: joining again would take the node back, and the two would replace
 * each other for ever); with --once, a session another worker keeps live ends it untouched (exit 5:
 * a check or a one-shot certification must not take a selling node's session, unless --replace);
 * a stop signal ends it cleanly (exit 0), leaving the session
 * (leaveSession) so that the node stops selling now rather than a heartbeat window later.
 *
 * No GPU or HTTP here: the prover, the client, the clock and the sleeps are passed in (agent.ports.ts).
 */
import { randomUUID } from 'node:crypto';
import { ChallengeSizing, challengeSizeFor, type OpenRequest, type Precision } from '@gpux/certification';
import { BadChallengeError, checkChallenge } from '../challenge/bad-challenge';
import { EXIT } from '../cli/exit-codes';
import { abortableSleep, AgentOptions, Proof, UNKNOWN_STATUS, Verdict } from './agent.ports';
import { Backoff, ONCE_TRIES } from './backoff';
import { ClaimMeasurement, claimToState } from './claim';
import type { JoinEvent } from './report';
import {
  ChallengeFailedError,
  ChallengeTicket,
  CredentialRefusedError,
  GatewayRequestError,
  GatewayUnavailableError,
  GatewayUrlError,
  HeartbeatAck,
  WorkerSession,
} from './client';

// The exit codes live with the command line's help, which lists them all.
export { EXIT };

/**
 * heartbeat's NOT_FOUND reason when another session holds the node: another worker joined as it
 * (the gateway's workers.resolver.ts). The newest join holds a node; the worker replaced stops.
 */
export const SESSION_REPLACED = 'SESSION_REPLACED';

/**
 * joinSession's ALREADY_EXISTS reason when it was asked not to replace (--once) and another worker
 * keeps the node's session live (the gateway's workers/live-session.ts).
 */
export const SESSION_LIVE = 'SESSION_LIVE';

/** The reason of the verdict the agent gives itself for a challenge it did not answer (BadChallengeError). */
export const NOT_ANSWERED = 'NOT_ANSWERED';

/**
 * The reason of a certification a spot check ended (capacity's SUPERSEDED): not answered, and no
 * failure of the node's: asked for again soon, with no backoff.
 */
export const SUPERSEDED = 'SUPERSEDED';

/**
 * How long a refused challenge may keep the next certification waiting, at most: it stays in flight
 * at the gateway until its deadline (capacity's challenges run 5 minutes at most).
 */
const REFUSED_WAIT_MS = 10 * 60 * 1000;

/**
 * How long a stopping worker waits for leaveSession's answer: a process manager's stop allows
 * seconds (`npm run stop` 15 before SIGKILL, systemd 90, Kubernetes 30).
 */
export const LEAVE_TIMEOUT_MS = 5_000;

/** Renew a certificate this long before it runs out, at most (a tenth of its validity when shorter). */
export const RENEW_BEFORE_MS = 60 * 60 * 1000;

/**
 * Refusals that pass with time, retried even with --once: a challenge still in flight from before
 * a reconnection (ALREADY_EXISTS until it is due), a session replaced or lost (NOT_FOUND: join again).
 */
const RETRIED_CODES = new Set(['ALREADY_EXISTS', 'NOT_FOUND']);

/**
 * The gateway refused the claim the operator fixed with --claim-tflops (BAD_USER_INPUT on
 * claimedTflops: above the model's peak or the schema's bound, below the market's minimum, or so
 * low the challenge would run past its cap). The same claim will be refused every time.
 */
export class ClaimRefusedError extends Error {
  constructor(claimTflops: number, refusal: string) {
    super(
      `the gateway refuses --claim-tflops ${claimTflops} (${refusal}): give a claim it accepts, or leave --claim-tflops out to claim what this GPU measures`,
    );
    this.name = 'ClaimRefusedError';
  }
}

/** The agent was stopped while it waited for work (a proof): run() ends on it with exit 0. */
class StoppedError extends Error {
  constructor() {
    super('stopped');
    this.name = 'StoppedError';
  }
}

/** A heartbeat brought a challenge that ends the work in flight (a spot check, a certification's proof). */
class PreemptedError extends Error {
  constructor(readonly by: ChallengeTicket) {
    super(`preempted by ${by.purpose.toLowerCase()} challenge ${by.id}`);
    this.name = 'PreemptedError';
  }
}

export class WorkerAgent {
  private readonly now: () => number;
  private readonly clock: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly reconnect: Backoff;
  /** Failed certifications in a row: retried on the same schedule, never in a tight loop. */
  private readonly recertify: Backoff;
  /** The claim per precision, under the sizing of the session it was made in. */
  private readonly claims = new Map<Precision, { tflops: number; sizing: string }>();
  /** The challenge sizes the kernels are ready for. */
  private readonly prepared = new Set<number>();
  private certifiedUntil: number | null = null;
  private validityMs: number | null = null;
  private nextCertificationAt = 0;
  /** Challenges not answered (BadChallengeError): a spot check comes again with every heartbeat until it is due. */
  private readonly refused = new Set<string>();
  /** Tries in a row that found the gateway unavailable, since it last took a join (--once gives up at ONCE_TRIES). */
  private unavailable = 0;
  /**
   * When the gateway last recorded the node alive (monotonic clock): the sending of the last
   * heartbeat, or of the join (it records one too). Every wait for the next heartbeat counts from
   * it, whichever step of the agent sends it (`heartbeating`, serve), so that the steps between
   * them add no silence of their own.
   */
  private lastBeatAt = -Infinity;

  constructor(private readonly o: AgentOptions) {
    this.now = o.now ?? Date.now;
    this.clock = o.clock ?? (() => performance.now());
    this.sleep = o.sleep ?? abortableSleep;
    this.reconnect = new Backoff(o.random);
    this.recertify = new Backoff(o.random);
  }

  private get stopped(): boolean {
    return this.o.signal.aborted;
  }

  /**
   * Runs until stopped (0), the credential refused (3), a --claim-tflops refused (2), or with
   * --once until certified (0) or not (1).
   */
  async run(): Promise<number> {
    // A --claim-tflops far above what this GPU measures fails its challenge at the deadline, after
    // minutes: refused here, before a session is joined or a certification asked for.
    if (this.o.claimTflops !== undefined && this.o.checkClaim) {
      const refusal = await this.o.checkClaim(this.o.claimTflops);
      if (this.stopped) return EXIT.ok;
      if (refusal !== null) {
        this.o.report({ event: 'error', message: refusal });
        return EXIT.usage;
      }
    }
    // The session last joined: left when the agent is stopped (one lost or replaced since is
    // refused NOT_FOUND, which changes nothing).
    let joined: WorkerSession | undefined;
    // --once's session id, one for the run (as joinSession gives them out: ses- and a UUID).
    const onceSession = `ses-${randomUUID()}`;
    // --once waits for the gateway's answer saying so, and what for: a gateway that takes
    // connections but never answers kept it silent for a request's timeout per try.
    if (this.o.once && !this.stopped)
      this.o.report({
        event: 'joining',
        gateway: this.o.client.url,
        tries: ONCE_TRIES,
        ...(this.o.client.timeoutMs === undefined ? {} : { timeoutMs: this.o.client.timeoutMs }),
      });
    while (!this.stopped) {
      try {
        const sent = this.clock();
        // --once leaves a session another worker keeps live alone (unless --replace); once this
        // agent has joined, a join again takes back its own session (one another worker took
        // since ends it first, exit 4).
        // Each try under one session id: a try whose answer was lost started that session, which the
        // next resumes rather than find it live.
        const session =
          this.o.once && !this.o.replace && !joined
            ? await this.o.client.joinSession(this.o.adapter, { unlessLive: { sessionId: onceSession } })
            : await this.o.client.joinSession(this.o.adapter);
        this.lastBeatAt = sent;
        joined = session;
        this.unavailable = 0;
        this.o.report({ event: 'joined', gateway: this.o.client.url, ...session });
        this.noteCertificate(session.certifiedUntil);
        if (this.o.once) return await this.certifyOnce(session);
        await this.serve(session);
      } catch (error) {
        if (this.stopped) break;
        if (joined && (await this.replaced(joined, error))) {
          this.o.report({ event: 'replaced', sessionId: joined.sessionId, nodeId: joined.nodeId });
          return EXIT.replaced;
        }
        if (error instanceof CredentialRefusedError) {
          // Refused once joined (rotated or revoked while it ran): the node it served is left without a worker.
          this.o.report({
            event: 'refused',
            message: error.message,
            gateway: this.o.client.url,
            ...(joined ? { nodeId: joined.nodeId } : {}),
          });
          return EXIT.refused;
        }
        if (error instanceof GatewayRequestError && error.reason === SESSION_LIVE) {
          this.o.report(busyEvent(error));
          return EXIT.busy;
        }
        if (error instanceof ClaimRefusedError || error instanceof GatewayUrlError) {
          this.o.report({ event: 'error', message: error.message });
          return EXIT.usage;
        }
        if (this.o.once && error instanceof GatewayUnavailableError && ++this.unavailable >= ONCE_TRIES) {
          this.o.report({ event: 'error', message: this.givingUp(error) });
          return EXIT.failed;
        }
        if (this.o.once && error instanceof GatewayRequestError && !RETRIED_CODES.has(error.code)) {
          // An answer that is no answer (BAD_RESPONSE) said as such: nothing refused anything.
          // A gateway from before joinSession's replace (and sessionId) knows no --once join.
          const predates =
            error.code === 'GRAPHQL_VALIDATION_FAILED' &&
            /Unknown argument "(replace|sessionId)" on field "Mutation\.joinSession"/.test(error.message);
          const message = predates
            ? `the gateway at ${this.o.client.url} predates --once's check for a live session (it knows no joinSession replace): upgrade the gateway, or, with no other worker running as this node, pass --replace`
            : error.code === 'BAD_RESPONSE'
              ? `the gateway's answer could not be used: ${error.message}`
              : `the gateway refused: ${error.code}: ${error.message}`;
          this.o.report({ event: 'error', message });
          return EXIT.failed;
        }
        if (!(error instanceof GatewayUnavailableError || error instanceof GatewayRequestError)) throw error;
        const { attempt, delayMs } = this.retryDelay(error);
        const what =
          error instanceof GatewayRequestError
            ? error.code === 'BAD_RESPONSE'
              ? `the gateway's answer could not be used (${error.message})`
              : `the gateway refused (${error.code}: ${error.message})`
            : error.message;
        // --once says which try comes next, and how long it waits for an answer: one line a try.
        const next =
          this.o.once && error instanceof GatewayUnavailableError
            ? {
                next: {
                  attempt: this.unavailable + 1,
                  of: ONCE_TRIES,
                  ...(this.o.client.timeoutMs === undefined ? {} : { timeoutMs: this.o.client.timeoutMs }),
                },
              }
            : {};
        this.o.report({ event: 'retry', attempt, delayMs, error: what, ...next });
        await this.sleep(delayMs, this.o.signal);
      }
    }
    if (joined) await this.leave(joined);
    return EXIT.ok;
  }

  /**
   * Whether the session ended because another session holds the node (another worker joined as
   * it), given what ended the agent's work: a heartbeat says so; a protocol step refused NOT_FOUND
   * (a certification voided with its session) does not, so the session is asked by a heartbeat.
   */
  private async replaced(session: WorkerSession, error: unknown): Promise<boolean> {
    if (!(error instanceof GatewayRequestError) || error.code !== 'NOT_FOUND') return false;
    if (error.reason === SESSION_REPLACED) return true;
    try {
      await this.beat(session);
      return false;
    } catch (again) {
      return again instanceof GatewayRequestError && again.reason === SESSION_REPLACED;
    }
  }

  /**
   * Stopped: says so to the gateway, so that the session ends now. Without an answer (the gateway
   * down, LEAVE_TIMEOUT_MS past) the node is declared lost after its heartbeat window instead,
   * which the report says.
   */
  private async leave(session: WorkerSession): Promise<void> {
    const { sessionId } = session;
    try {
      const node = await this.o.client.leaveSession(sessionId, LEAVE_TIMEOUT_MS);
      this.o.report({
        event: 'left',
        sessionId,
        status: node.status,
        ...(node.suspendedReason ? { suspendedReason: node.suspendedReason } : {}),
      });
    } catch (error) {
      const ended = error instanceof GatewayRequestError && error.code === 'NOT_FOUND';
      this.o.report({
        event: 'left',
        sessionId,
        ...(ended ? { ended: true } : { error: error instanceof Error ? error.message : String(error) }),
      });
    }
  }

  /**
   * How long to wait before joining again. An UNAVAILABLE that says when (retryAfterMs: a read
   * model rebuilt, e.g. after a Redis flush) is retried then, however long it lasts, without
   * growing the backoff: capacity counts the node's silence from when its model is whole again,
   * and a worker backed off to 30 s would be lost by then (backoff.ts, RETRY_AFTER). Any other
   * failure backs off, never sooner than the gateway asked (RATE_LIMITED, a 503's Retry-After).
   */
  private retryDelay(error: GatewayUnavailableError | GatewayRequestError): {
    attempt: number;
    delayMs: number;
  } {
    if (!(error instanceof GatewayUnavailableError)) return this.reconnect.next();
    if (error.code === 'UNAVAILABLE' && error.retryAfterMs !== undefined)
      return this.reconnect.retryAfter(error.retryAfterMs);
    return this.reconnect.next(error.retryAfterMs);
  }

  /** --once, the gateway still unavailable after ONCE_TRIES tries: what happened, and what to check. */
  private givingUp(error: GatewayUnavailableError): string {
    const { url, urlOption = '--gateway' } = this.o.client;
    return error.noAnswer !== undefined
      ? `the gateway at ${url} could not be reached in ${ONCE_TRIES} tries (${error.noAnswer}): ` +
          `check that the gateway is running and reachable from here, and that ${urlOption} is its ${urlOption.endsWith('_PORT') ? 'port' : 'GraphQL URL'}`
      : error.notGraphQL
        ? `gave up after ${ONCE_TRIES} tries, the last: ${error.message}; check that ${urlOption} is the gateway's ${urlOption.endsWith('_PORT') ? 'port' : 'GraphQL URL'} (what answered there speaks no GraphQL), or try again later`
        : `gave up after ${ONCE_TRIES} tries, the last: ${error.message}; try again later`;
  }

  /**
   * Gets the kernels ready for challenges of `size` (the prepare port: tuning, seconds on a GPU;
   * the session's smallest size unless told), heartbeating meanwhile (`heartbeating`). A spot
   * check a heartbeat brings meanwhile cannot wait for the tuning: its clock runs from its delivery
   * (capacity's rules/delivery.ts: 1.25 × its claimed compute time + 1 s), and a worker restarted
   * without its tuning cache tunes for tens of seconds. So it stops the tuning (the prepare port's
   * signal: the fastest kernel measured so far, or the default one, answers at that size), is
   * answered at once, and the tuning goes on after it from where it stopped. The verdict of the last
   * check answered meanwhile, if any.
   */
  private async ready(session: WorkerSession, size = session.challengeSize): Promise<Verdict | undefined> {
    const prepare = this.o.prepare;
    let checked: Verdict | undefined;
    while (prepare && !this.prepared.has(size)) {
      try {
        const tuning = (signal: AbortSignal) => prepare(size, signal);
        const { spot } = await this.heartbeating(session, tuning, undefined, this.checkFirst);
        this.prepared.add(size);
        // One that did not stop it (refused before): answered as before, refused again at once.
        if (spot) checked = await this.answer(session, spot);
      } catch (error) {
        if (!(error instanceof PreemptedError)) throw error;
        this.o.report({ event: 'interrupted', work: 'tuning', size, by: error.by.id });
        checked = await this.answer(session, error.by);
      }
    }
    return checked;
  }

  /**
   * Runs `work` (seconds of GPU work: tuning, measuring a claim, a proof, an opening), heartbeating
   * at the session's interval meanwhile so that the session is not lost: the first heartbeat is
   * sent an interval after the last one, whatever step sent that (`untilBeat`), not an interval
   * after the work began, or steps one after the other would add their waits up into a silence
   * the session cannot take. Resolves with the first spot challenge a heartbeat brought, to be
   * answered once the work is done. A challenge that `preempts` the work ends it instead: its
   * signal aborts, what it was doing is waited for (a proof stops submitting products: at most
   * those queued on the GPU finish) and let go, and PreemptedError is thrown. A heartbeat that
   * fails, or the agent stopped, aborts the signal too, and the work is not waited for.
   */
  private async heartbeating<T>(
    session: WorkerSession,
    work: (signal: AbortSignal) => Promise<T>,
    /** What to do with the work's result when a heartbeat fails first (it is then nobody's). */
    abandon?: (value: T) => void,
    /** Whether a challenge a heartbeat brings ends the work (a spot check, a certification's proof). */
    preempts?: (challenge: ChallengeTicket) => boolean,
  ): Promise<{ value: T; spot?: ChallengeTicket }> {
    let done = false;
    const stop = new AbortController();
    const running = work(stop.signal).finally(() => {
      done = true;
    });
    let spot: ChallengeTicket | undefined;
    while (!done && !this.stopped) {
      // A real timer, cut short when the work is done or the agent stops.
      const tick = new AbortController();
      const cut = () => tick.abort();
      this.o.signal.addEventListener('abort', cut, { once: true });
      await Promise.race([
        running.catch(() => undefined),
        abortableSleep(this.untilBeat(session), tick.signal),
      ]);
      tick.abort();
      this.o.signal.removeEventListener('abort', cut);
      if (done || this.stopped) break;
      let ack: HeartbeatAck;
      try {
        ack = await this.beat(session);
      } catch (error) {
        // The work is nobody's now: told to stop (a proof or an opening submits no more products).
        stop.abort();
        if (abandon) void running.then(abandon, () => undefined);
        throw error;
      }
      if (ack.challenge && preempts?.(ack.challenge)) {
        // Even work done meanwhile: what it was for is over.
        stop.abort();
        await running.then(abandon ?? (() => undefined), () => undefined);
        throw new PreemptedError(ack.challenge);
      }
      spot ??= ack.challenge ?? undefined;
    }
    if (!done) {
      // Stopped: the work (a proof may run for minutes) is not waited for but told to stop (a proof
      // or an opening submits no more products), and what it yields is let go.
      stop.abort();
      void running.then(abandon ?? (() => undefined), () => undefined);
      throw new StoppedError();
    }
    const value = await running;
    return spot ? { value, spot } : { value };
  }

  /**
   * --once: certified (0) or not (1). Exiting, the worker stops heartbeating and capacity declares
   * the node lost after its heartbeat window (a node that can sell is suspended), so an exit 0 says
   * so (the 'exiting' event): --once certifies, `join` without it sells.
   */
  private async certifyOnce(session: WorkerSession): Promise<number> {
    await this.ready(session);
    if (!this.needsCertification(session.status)) {
      this.o.report({ event: 'certified', status: session.status, certifiedUntil: session.certifiedUntil });
      this.o.report({ event: 'exiting', status: session.status });
      return EXIT.ok;
    }
    let verdict = await this.certify(session);
    // Ended by a spot check, answered since: nothing is in flight now, so asked for again.
    while (verdict.reason === SUPERSEDED) verdict = await this.certify(session);
    if (!verdict.ok) return EXIT.failed;
    this.o.report({ event: 'exiting', status: verdict.node.status });
    return EXIT.ok;
  }

  /** Heartbeats at the session's interval; returns only when stopped, throws when the gateway fails. */
  private async serve(session: WorkerSession): Promise<void> {
    // UNKNOWN after a challenge failed at its commitment, until the next heartbeat says.
    let status: Verdict['node']['status'] = session.status;
    // A spot check left unanswered changes nothing until it is due: the status stays the gateway's.
    const after = (verdict: Verdict) => (verdict.reason === NOT_ANSWERED ? status : verdict.node.status);
    // A certified node's spot checks come at its certificate's size: ready for that one first.
    const checked = await this.ready(session, session.spotChallengeSize ?? session.challengeSize);
    if (checked) status = after(checked);
    for (;;) {
      if (this.stopped) return;
      if (this.needsCertification(status) && this.now() >= this.nextCertificationAt) {
        try {
          status = (await this.certify(session)).node.status;
        } catch (error) {
          if (!(error instanceof GatewayRequestError && RETRIED_CODES.has(error.code))) throw error;
          // A challenge in flight (ALREADY_EXISTS: a spot check issued since the last heartbeat) or
          // the one proved ended (NOT_FOUND: superseded by one after the proof's last heartbeat):
          // the heartbeat below brings it, to be answered before its deadline; certified after a
          // backoff. (A session lost meanwhile fails that heartbeat, and the agent joins again.)
          const { attempt, delayMs } = this.recertify.next();
          this.o.report({
            event: 'retry',
            attempt,
            delayMs,
            error: `certification put off (the gateway refused: ${error.code}: ${error.message})`,
          });
          this.nextCertificationAt = Math.max(this.nextCertificationAt, this.now() + delayMs);
        }
      }
      const ack = await this.beat(session);
      // Only a session that heartbeats counts as reconnected: a gateway that takes joins but
      // fails everything after them still backs off further each time.
      this.reconnect.success();
      if (ack.status !== status) this.o.report({ event: 'status', status: ack.status });
      status = ack.status;
      if (ack.challenge) {
        // A spot challenge: answered now, its deadline is running.
        status = after(await this.answer(session, ack.challenge));
      }
      await this.sleep(this.untilBeat(session), this.o.signal);
    }
  }

  /** Sends a heartbeat, noting when (`lastBeatAt`). */
  private beat(session: WorkerSession): Promise<HeartbeatAck> {
    this.lastBeatAt = this.clock();
    return this.o.client.heartbeat(session.sessionId);
  }

  /**
   * How long until the next heartbeat is due: the session's interval after the last one sent.
   * Intervals on the monotonic clock: a wall clock stepped back would lengthen the wait past the session's window.
   */
  private untilBeat(session: WorkerSession): number {
    return Math.max(
      0,
      Math.min(session.heartbeatIntervalMs, session.heartbeatIntervalMs - (this.clock() - this.lastBeatAt)),
    );
  }

  private async certify(session: WorkerSession): Promise<Verdict> {
    const claim = await this.claimFor(session, 'f32');
    let ticket: ChallengeTicket;
    try {
      ticket = await this.o.client.requestCertification(claim);
    } catch (error) {
      // A measured claim may fit next time (measured again, another session's sizing); a fixed one will not.
      if (
        this.o.claimTflops !== undefined &&
        error instanceof GatewayRequestError &&
        error.code === 'BAD_USER_INPUT' &&
        error.field === 'claimedTflops'
      )
        throw new ClaimRefusedError(claim, error.message);
      throw error;
    }
    const verdict = await this.answer(session, ticket);
    if (verdict.ok) this.recertify.success();
    // Ended by a spot check (answered since): no failure of the node's, asked for again without a
    // backoff (serve: after its next heartbeat), unless refusing the spot check put it off (refuse).
    else if (verdict.reason !== SUPERSEDED)
      // Never sooner than a refused challenge allows (refuse).
      this.nextCertificationAt = Math.max(
        this.nextCertificationAt,
        this.now() + this.recertify.next().delayMs,
      );
    if (verdict.ok && this.o.certifyF16) await this.certifyHalf(session);
    return verdict;
  }

  /**
   * f16, certified apart after f32 (--f16): its own measured claim and challenge. Its outcome
   * changes nothing of the f32 certificate, so a refusal or a failure is reported and left there.
   */
  private async certifyHalf(session: WorkerSession): Promise<void> {
    try {
      const claim = await this.claimFor(session, 'f16');
      // Ended by a spot check (answered since): asked for again, the spot check no longer in flight.
      while (
        (await this.answer(session, await this.o.client.requestCertification(claim, 'f16'))).reason ===
        SUPERSEDED
      );
    } catch (error) {
      if (!(error instanceof GatewayRequestError)) throw error;
      this.o.report({
        event: 'error',
        message: `f16 certification refused: ${error.code}: ${error.message}`,
      });
    }
  }

  /**
   * The claim to state, with the kernels ready at the size capacity will give its challenge
   * (challengeSizeFor, by the sizing the session states): tuning never runs inside a deadline. A measured
   * claim starts at the smallest size and moves up to the size its own figure picks, measured again
   * there, until the size stays (a GPU delivers more on larger products). It is half the measured
   * rate, or the market's minimum where the rate covers that (claimToState; markets require f32).
   */
  private async claimFor(session: WorkerSession, precision: Precision): Promise<number> {
    const sizing = sizingOf(session);
    const required = precision === 'f32' ? (session.requiredTflops ?? undefined) : undefined;
    const key = JSON.stringify({ ...sizing, required });
    const known = this.claims.get(precision);
    if (precision === 'f32' && this.o.claimTflops !== undefined) {
      if (!known)
        this.o.report({ event: 'claim', claimTflops: this.o.claimTflops, precision, source: 'option' });
      this.claims.set(precision, { tflops: this.o.claimTflops, sizing: key });
      await this.ready(session, challengeSizeFor(this.o.claimTflops, sizing));
      return this.o.claimTflops;
    }
    if (known && known.sizing === key) return known.tflops;
    let size = sizing.minSize;
    let measured: ClaimMeasurement;
    let claim: number;
    let sized: number;
    for (;;) {
      await this.ready(session, size);
      measured = await this.measure(session, size, precision);
      claim = claimToState(measured, required);
      sized = challengeSizeFor(claim, sizing);
      if (sized <= size) break;
      size = sized;
    }
    // Where a figure measured on larger products sizes below them, the kernels for that size too.
    if (sized !== size) await this.ready(session, sized);
    this.claims.set(precision, { tflops: claim, sizing: key });
    this.o.report({
      event: 'claim',
      claimTflops: claim,
      precision,
      source: 'measured',
      measuredTflops: measured.measuredTflops,
      size: measured.size,
      safetyFactor: measured.safetyFactor,
      ...(claim !== measured.claimTflops ? { requiredTflops: claim } : {}),
    });
    return claim;
  }

  /**
   * Whether a heartbeat's challenge stops a tuning or a claim's measurement: a spot check (its clock
   * runs), unless refused before (it comes with every heartbeat until due, and would stop the work
   * each time for nothing).
   */
  private readonly checkFirst = (challenge: ChallengeTicket): boolean =>
    challenge.purpose === 'SPOT' && !this.refused.has(challenge.id);

  /**
   * The claim's measurement at `size` (seconds of proofs), heartbeating meanwhile. A spot check a
   * heartbeat brings stops it, as it stops a tuning (`ready`): it is answered at once, and the
   * claim measured again after it.
   */
  private async measure(
    session: WorkerSession,
    size: number,
    precision: Precision,
  ): Promise<ClaimMeasurement> {
    for (;;) {
      try {
        const measuring = (signal: AbortSignal) => this.o.measureClaim(size, precision, signal);
        const { value, spot } = await this.heartbeating(session, measuring, undefined, this.checkFirst);
        if (spot) await this.answer(session, spot);
        return value;
      } catch (error) {
        if (!(error instanceof PreemptedError)) throw error;
        this.o.report({ event: 'interrupted', work: 'claim', size, by: error.by.id });
        await this.answer(session, error.by);
      }
    }
  }

  /**
   * Computes, commits, opens: the protocol of docs/certification.md from the worker's side.
   * Proves `ticket`'s challenge, heartbeating meanwhile (a certification may run for minutes, the
   * session's window is seconds), commits and opens it, heartbeating through the opening too (it
   * computes the opened products again: seconds where the proof took seconds). A spot check a
   * heartbeat brings while a certification is proved or opened supersedes it (capacity has ended
   * it): the proof or the opening is stopped and let go, nothing more of it is sent, and the spot
   * check is answered at once (`supersede`). One that comes while a spot check is proved or opened
   * waits for it, and is answered right after: its deadline is running too. A challenge whose own
   * data is wrong is not answered (refuse); once stopped, nothing more is sent.
   */
  private async answer(session: WorkerSession, ticket: ChallengeTicket): Promise<Verdict> {
    if (this.refused.has(ticket.id)) return notAnswered(ticket.id, 'refused before');
    const { challenge } = ticket;
    let proof: Proof;
    let spot: ChallengeTicket | undefined;
    const preempts =
      ticket.purpose === 'CERTIFICATION'
        ? (other: ChallengeTicket) => other.purpose === 'SPOT' && other.id !== ticket.id
        : undefined;
    try {
      // A spot check comes at the certificate's size, which the session's largest may have gone below since.
      checkChallenge(challenge, {
        maxSize: Math.max(session.challengeMaxSize, session.spotChallengeSize ?? 0),
      });
      this.o.report({
        event: 'challenge',
        purpose: ticket.purpose,
        precision: challenge.precision,
        challengeId: ticket.id,
        n: challenge.n,
        products: challenge.products,
        allowedMs: challenge.deadline - challenge.issuedAt,
      });
      ({ value: proof, spot } = await this.heartbeating(
        session,
        (signal) => this.o.prove(challenge, signal),
        (abandoned) => abandoned.discard(),
        preempts,
      ));
    } catch (error) {
      if (error instanceof BadChallengeError) return this.refuse(ticket, error);
      if (error instanceof PreemptedError) return this.supersede(session, ticket, error.by);
      throw error;
    }
    let verdict: Verdict;
    try {
      if (this.stopped) throw new StoppedError();
      const request = await this.commit(ticket.id, proof);
      if (this.stopped) throw new StoppedError();
      const opened = await this.heartbeating(
        session,
        (signal) => proof.open(request, signal),
        undefined,
        preempts,
      );
      spot ??= opened.spot;
      verdict = await this.o.client.answerChallenge(ticket.id, opened.value);
      this.reportVerdict(ticket, verdict);
    } catch (error) {
      proof.discard();
      if (error instanceof PreemptedError) return this.supersede(session, ticket, error.by);
      if (error instanceof BadChallengeError) verdict = this.refuse(ticket, error);
      else if (error instanceof ChallengeFailedError) {
        // Failed at the commitment: the gateway does not say the node's status then; the next heartbeat will.
        verdict = {
          challengeId: ticket.id,
          ok: false,
          reason: error.reason,
          detail: error.message,
          measuredTflops: null,
          node: { status: UNKNOWN_STATUS, tflopsPerGpu: null, tflopsF16PerGpu: null, certifiedUntil: null },
        };
        this.reportVerdict(ticket, verdict);
      } else throw error;
    }
    // Only an f32 certification renews the certificate: a spot check's or an f16 one's leaves its validity as it was.
    if (verdict.ok)
      this.noteCertificate(
        verdict.node.certifiedUntil,
        ticket.purpose === 'CERTIFICATION' && challenge.precision === 'f32',
      );
    if (spot && spot.id !== ticket.id) await this.answer(session, spot);
    return verdict;
  }

  /**
   * A certification a spot check ended while it was proved: capacity failed it SUPERSEDED when it
   * issued the spot check, so it is not answered; the spot check is, at once. Its verdict is the
   * certification's, not answered (SUPERSEDED), with the node as the spot check left it.
   */
  private async supersede(
    session: WorkerSession,
    ticket: ChallengeTicket,
    spot: ChallengeTicket,
  ): Promise<Verdict> {
    this.o.report({
      event: 'superseded',
      purpose: ticket.purpose,
      precision: ticket.challenge.precision,
      challengeId: ticket.id,
      by: spot.id,
    });
    const checked = await this.answer(session, spot);
    return {
      ...notAnswered(ticket.id, `ended by spot challenge ${spot.id}`),
      reason: SUPERSEDED,
      ...(checked.reason === NOT_ANSWERED ? {} : { node: checked.node }),
    };
  }

  /** Sends the commitment; the open request that answers it. */
  private async commit(challengeId: string, proof: Proof): Promise<OpenRequest> {
    let request: OpenRequest;
    try {
      request = await this.o.client.commitChallenge(challengeId, proof.commitment);
    } catch (error) {
      // An open request not of the protocol's shape (a null leaf) is this challenge's fault, not the session's.
      if (error instanceof GatewayRequestError && error.code === 'BAD_RESPONSE')
        throw new BadChallengeError(error.message);
      throw error;
    }
    this.o.report({
      event: 'committed',
      challengeId,
      computeMs: proof.timings.computeMs,
      totalMs: proof.timings.totalMs,
    });
    return request;
  }

  private reportVerdict(ticket: ChallengeTicket, verdict: Verdict): void {
    // An f16 challenge certifies the f16 figure (the f32 one stays as it was).
    const precision = ticket.challenge.precision;
    this.o.report({
      event: 'verdict',
      purpose: ticket.purpose,
      precision,
      challengeId: ticket.id,
      ok: verdict.ok,
      reason: verdict.reason,
      detail: verdict.detail,
      measuredTflops: verdict.measuredTflops,
      status: verdict.node.status,
      tflopsPerGpu: precision === 'f16' ? verdict.node.tflopsF16PerGpu : verdict.node.tflopsPerGpu,
      certifiedUntil: verdict.node.certifiedUntil,
    });
  }

  /**
   * Leaves a challenge unanswered, with one line saying what is wrong with it: the gateway fails it
   * at its deadline. Until then it stays in flight there (a certification asked for sooner is
   * refused ALREADY_EXISTS), so the next certification waits that long.
   */
  private refuse(ticket: ChallengeTicket, error: BadChallengeError): Verdict {
    if (this.refused.size >= 100) this.refused.clear(); // past ones are due long since
    this.refused.add(ticket.id);
    this.o.report({
      event: 'error',
      message: `${ticket.purpose.toLowerCase()} challenge ${ticket.id} not answered (it fails at its deadline): ${error.message}`,
    });
    const allowedMs = ticket.challenge.deadline - ticket.challenge.issuedAt;
    if (Number.isFinite(allowedMs) && allowedMs > 0)
      this.nextCertificationAt = Math.max(
        this.nextCertificationAt,
        this.now() + Math.min(allowedMs, REFUSED_WAIT_MS),
      );
    return notAnswered(ticket.id, error.message);
  }

  private noteCertificate(until: string | null, fresh = false): void {
    const t = until ? Date.parse(until) : NaN;
    this.certifiedUntil = Number.isFinite(t) ? t : null;
    if (fresh && this.certifiedUntil !== null) this.validityMs = this.certifiedUntil - this.now();
  }

  private needsCertification(status: string): boolean {
    if (status !== 'CERTIFIED') return true;
    if (this.certifiedUntil === null) return false;
    const renewBefore = Math.min(
      RENEW_BEFORE_MS,
      this.validityMs === null ? RENEW_BEFORE_MS : this.validityMs / 10,
    );
    return this.certifiedUntil - this.now() < renewBefore;
  }
}

/** What a join refused SESSION_LIVE reports: when the live session started and last beat, as the gateway said. */
function busyEvent(error: GatewayRequestError): JoinEvent {
  const at = (name: string) => {
    const value = error.extensions[name];
    return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : undefined;
  };
  const nodeId = typeof error.extensions['nodeId'] === 'string' ? error.extensions['nodeId'] : undefined;
  const sessionStartedAt = at('sessionStartedAt');
  const lastHeartbeatAt = at('lastHeartbeatAt');
  return {
    event: 'busy',
    message: error.message,
    ...(nodeId ? { nodeId } : {}),
    ...(sessionStartedAt ? { sessionStartedAt } : {}),
    ...(lastHeartbeatAt ? { lastHeartbeatAt } : {}),
  };
}

/** How capacity sizes a challenge from its claim, as the session states it. */
const sizingOf = (session: WorkerSession): ChallengeSizing => ({
  minSize: session.challengeSize,
  maxSize: session.challengeMaxSize,
  productMs: session.challengeProductMs,
});

/** The verdict of a challenge left unanswered: failed, the node's status unknown until the next heartbeat. */
const notAnswered = (challengeId: string, detail: string): Verdict => ({
  challengeId,
  ok: false,
  reason: NOT_ANSWERED,
  detail,
  measuredTflops: null,
  node: { status: UNKNOWN_STATUS, tflopsPerGpu: null, tflopsF16PerGpu: null, certifiedUntil: null },
});
