import { randomBytes } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { Args, Float, ID, Mutation, Resolver } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import {
  CapacityCommands,
  capacityReadModel as rm,
  HEARTBEAT_KEPT_MS,
  nodeHeartbeatKey,
  NUMBER_LIMITS,
  printableRule,
  TEXT_LIMITS,
} from '@gpux/contracts';
import { RedisClient, SERVICE_CONFIG } from '@gpux/platform';
import type { CommandOutcome } from '@gpux/eventsourcing';
import { CapacityQueries, ChallengeView, NodeView, OrdersQueries } from '@gpux/read-models';
import { Caller, Roles } from '../api/access';
import type { Principal } from '../api/auth';
import { Commands, COMMAND_TIMEOUT_MS } from '../api/commands';
import { apiError } from '../api/errors';
import { ChallengeFailureReason, ChallengePurpose, Precision, SuspendedReason } from '../api/enums';
import { GraphQLJSON } from '../api/json.scalar';
import { unavailableError } from '../api/rebuilding';
import { UNAVAILABLE_RETRY_MS } from '../api/unavailable';
import { readRecorded, recordedDeadline, RecordedSource } from '../api/recorded';
import { GpuNode, toNode } from '../nodes/nodes.views';
import { ENDED_CHALLENGE_SEARCH, endedChallenge, endedChallengeMessage } from './ended-challenge';
import { liveSession, LiveSession, sessionLiveExtensions, sessionLiveMessage } from './live-session';
import { couldBeSessionId, newSessionId } from './session-ids';
import { ChallengeTicket, ChallengeVerdict, HeartbeatAck, WorkerSession } from './workers.views';

export interface WorkerConfig {
  HEARTBEAT_INTERVAL_MS: number;
  CHALLENGE_SIZE: number;
  CHALLENGE_MAX_SIZE: number;
  CHALLENGE_PRODUCT_MS: number;
}

type Entry = {
  ok?: boolean;
  reason?: ChallengeFailureReason;
  detail?: string;
  measuredTflops?: number;
  tflopsPerGpu?: { f32: number };
  challengeId?: string;
};

/**
 * How many times a join with `replace: false` reads the node's session and tries its conditional
 * start, each refused because the session changed after the read, before it answers UNAVAILABLE.
 */
const JOIN_ATTEMPTS = 3;

/** heartbeat's NOT_FOUND `extensions.reason` when another session (another worker) holds the node. */
export const SESSION_REPLACED = 'SESSION_REPLACED';

/** Why the worker's protocol steps take no idempotencyKey (schema-types.spec lists them). */
const PROTOCOL_STEP =
  ' A step of the worker protocol: it takes no idempotencyKey; a worker whose step failed or went unanswered starts over from joinSession or requestCertification (docs/certification.md).';

/** The challenge a protocol step answers. */
const CHALLENGE_ID = {
  type: () => ID,
  description:
    "The challenge's id (ChallengeTicket.id), the one the node is answering: another is refused NOT_FOUND, or CHALLENGE_FAILED where the verifier failed it already.",
};

/** The session a worker's step is sent for. */
const SESSION_ID = {
  type: () => ID,
  description: 'The session joinSession answered (WorkerSession.sessionId).',
};

/**
 * The worker's side of the API (`Authorization: Bearer <node credential>`): join, certify through
 * a challenge (docs/certification.md), heartbeat, answer spot challenges. Every step is a command to
 * capacity, whose node decider verifies; the gateway only draws the randomness the protocol needs
 * after each commitment, and relays.
 */
@Resolver()
export class WorkersResolver {
  private readonly capacity: CapacityQueries;
  private readonly orders: OrdersQueries;
  private readonly source: RecordedSource;

  constructor(
    private readonly commands: Commands,
    private readonly redis: RedisClient,
    @Inject(SERVICE_CONFIG) private readonly config: WorkerConfig,
  ) {
    this.capacity = new CapacityQueries(redis.redis);
    this.orders = new OrdersQueries(redis.redis);
    this.source = { redis: redis.redis, notices: commands.notices };
  }

  /**
   * How capacity sizes a challenge from its claim: the worker is told, to tune before any deadline.
   * Capacity recorded its own when the session started; this gateway's configuration stands in for
   * a session an older capacity started, which recorded none.
   */
  private sizingView(
    recorded: NodeView['sessionSizing'],
  ): Pick<WorkerSession, 'challengeSize' | 'challengeMaxSize' | 'challengeProductMs'> {
    return {
      challengeSize: recorded?.minSize ?? this.config.CHALLENGE_SIZE,
      challengeMaxSize: recorded?.maxSize ?? this.config.CHALLENGE_MAX_SIZE,
      challengeProductMs: recorded?.productMs ?? this.config.CHALLENGE_PRODUCT_MS,
    };
  }

  /** The minimum f32 TFLOP/s per GPU of a market (the market is orders' to know); undefined without one. */
  private async marketMinimum(marketId: string | null | undefined): Promise<number | undefined> {
    return marketId ? this.orders.minTflopsPerGpu(marketId) : undefined;
  }

  /**
   * What a protocol step that is recorded (`outcome`) left in capacity's model: read once the model
   * shows the outcome, waiting for it to refold when Redis was flushed since, else UNAVAILABLE
   * saying what was recorded (api/recorded.ts). `what`: what the step recorded.
   */
  private after<T>(
    nodeId: string,
    outcome: { position: CommandOutcome['position'] },
    read: () => Promise<T | null | undefined>,
    what: string,
    started: number,
  ): Promise<T> {
    return readRecorded(
      this.source,
      rm.name,
      outcome,
      read,
      { what, readWith: `gpuNode(id: ${JSON.stringify(nodeId)})`, extensions: { nodeId } },
      recordedDeadline(started),
    );
  }

  /**
   * Records a heartbeat, kept HEARTBEAT_KEPT_MS (a day, far past any session's timeout): capacity's
   * watchdog reads it, even back from an outage, dates it by what is left of that life (Redis'
   * clock, not this gateway's), and counts a missing one (Redis flushed) from when it first noticed.
   */
  private async beat(nodeId: string, at = new Date().toISOString()): Promise<void> {
    await this.redis.redis.set(nodeHeartbeatKey(nodeId), at, 'PX', HEARTBEAT_KEPT_MS);
  }

  /**
   * The node's current session (null: none open) and, when another worker keeps it live
   * (live-session.ts), that session, else null: read in one round trip, the heartbeat aged by
   * Redis' clock as capacity's watchdog ages it; `own`, the session id the caller proposed (its own
   * session, resumed).
   */
  private async readSession(
    nodeId: string,
    own?: string,
  ): Promise<{ current: string | null; live: LiveSession | null }> {
    const key = nodeHeartbeatKey(nodeId);
    const replies =
      (await this.redis.redis
        .pipeline()
        .hmget(rm.node(nodeId), 'sessionId', 'sessionStartedAt', 'sessionHeartbeatTimeoutMs')
        .get(key)
        .pttl(key)
        .exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    const [fields, beat, ttl] = replies.map(([, value]) => value) as [
      (string | null)[],
      string | null,
      number,
    ];
    const [current, startedAt, timeout] = fields;
    const live = liveSession(
      {
        sessionId: current,
        sessionStartedAt: startedAt,
        ...(timeout ? { timeoutMs: Number(timeout) } : {}),
        beat,
        beatTtlMs: ttl,
      },
      Date.now(),
      own,
    );
    return { current: current || null, live };
  }

  /**
   * Starts the session (StartSession), once its heartbeat is written. `expected` (replace: false):
   * the session found the node's and judged not live (null: none), so that capacity starts it only
   * if the node has that one still (its decider's rules/expected-session.ts), refusing when another
   * join started one since; null is answered then. Undefined: the start replaces whatever holds the node.
   * A start refused so has beat for the node, as any join whose start is refused (a revoked
   * credential) has: most often for the session another join just started, which beat before it.
   */
  private async startSession(
    nodeId: string,
    data: { nodeId: string; sessionId: string; adapter?: string },
    expected: string | null | undefined,
  ): Promise<CommandOutcome | null> {
    await this.beat(nodeId);
    try {
      return await this.commands.execute(
        'capacity',
        {
          type: CapacityCommands.startSession.type,
          subject: nodeId,
          data: expected === undefined ? data : { ...data, expectedSessionId: expected },
          // Refused, the node is read again: once the model shows the session that refused it.
          visibleRejection: expected !== undefined,
        },
        rm.name,
      );
    } catch (error) {
      if (
        expected !== undefined &&
        error instanceof GraphQLError &&
        error.extensions['code'] === 'ALREADY_EXISTS' &&
        error.extensions['field'] === 'expectedSessionId'
      )
        return null;
      throw error;
    }
  }

  /** The node's challenge in flight, null without one. */
  private async ticketOrNull(
    nodeId: string,
  ): Promise<(ChallengeTicket & { request?: Record<string, unknown> }) | null> {
    const c = await this.capacity.challenge(nodeId);
    return c && { ...c, purpose: c.purpose.toUpperCase() as ChallengePurpose };
  }

  /** The node's latest certification record: the verdict of the challenge it just answered. */
  private async lastEntry(nodeId: string): Promise<Entry> {
    return ((await this.capacity.lastCertification(nodeId)) ?? {}) as Entry;
  }

  @Mutation(() => WorkerSession, {
    nullable: true,
    description:
      "Starts a worker session for the node of the credential. By default (replace: true) it replaces the node's session, whatever holds it: the newest join holds a node, so a restarted worker takes over at once, and the worker replaced stops (its heartbeat is refused SESSION_REPLACED). With replace: false (`gpu-worker join --once`: a check, a one-shot certification) a live session, one heard from within capacity's heartbeat timeout, is left alone: the join is refused ALREADY_EXISTS on replace, with extensions.reason SESSION_LIVE, extensions.nodeId, extensions.sessionStartedAt and extensions.lastHeartbeatAt (ISO), and extensions.heartbeatTimeoutMs; nothing changes. The check and the start are one step (capacity starts the session only if the node's is still the one checked), so of joins of one node at the same instant, through any gateway, one with replace: false never replaces a session another started meanwhile: it is refused SESSION_LIVE instead (UNAVAILABLE with retryAfterMs in the rare case the session kept changing while it checked)." +
      PROTOCOL_STEP,
  })
  @Roles('worker')
  async joinSession(
    @Args('adapter', {
      type: () => String,
      nullable: true,
      description: `Your GPU, as its adapter describes itself. ${printableRule(TEXT_LIMITS.adapter)}`,
    })
    adapter: string | undefined,
    @Args('replace', {
      type: () => Boolean,
      defaultValue: true,
      description:
        "Whether to take the node's session when a worker keeps it live: true (the default), a restarted worker taking over; false, refused ALREADY_EXISTS (reason SESSION_LIVE) instead.",
    })
    replace: boolean,
    @Args('sessionId', {
      type: () => ID,
      nullable: true,
      description:
        "The session's id, chosen by the worker in the form joinSession gives out (ses- and a random UUID, new for each run); none, the gateway chooses one. Sent again (a retry after a lost answer), it starts the same session again: with replace: false a live session of this id is the caller's own, never refused as another worker's.",
    })
    proposed: string | undefined,
    @Caller() worker: Principal,
  ): Promise<WorkerSession> {
    const nodeId = worker.nodeId!;
    if (proposed !== undefined && proposed !== null && !couldBeSessionId(proposed))
      throw apiError(
        'BAD_USER_INPUT',
        'sessionId must be ses- and a random UUID (lowercase), new for each run of the worker: leave it out for the gateway to choose',
        'sessionId',
      );
    const sessionId = proposed ?? newSessionId();
    const data = { nodeId, sessionId, ...(adapter ? { adapter } : {}) };
    // Checked before the heartbeat is written, so a refused join changes nothing (but a join refused
    // SESSION_LIVE after capacity refused its start: it wrote the node's heartbeat for that start,
    // just after the join that started the live session wrote it; the key is the node's, not a
    // session's).
    this.commands.validate('capacity', CapacityCommands.startSession.type, data);
    const started = Date.now();
    let outcome: CommandOutcome | null = null;
    // Not replacing, the check and the start are made one by capacity (the node's one writer): the
    // start names the session the check found, and is refused if another join (through any
    // gateway) started one since. The node is then read again: that session is live (its join beat
    // first), and refused so; one that ended meanwhile (lost, left) is a check again. Bounded.
    for (let attempt = 0; !outcome; attempt++) {
      let expected: string | null | undefined;
      if (replace === false) {
        if (attempt === JOIN_ATTEMPTS)
          throw apiError(
            'UNAVAILABLE',
            `the session of node ${nodeId} changed ${JOIN_ATTEMPTS} times while this join checked it (other joins of the node, or sessions ending): nothing was started; join again in a second`,
            undefined,
            { nodeId, retryAfterMs: UNAVAILABLE_RETRY_MS },
          );
        const { current, live } = await this.readSession(nodeId, proposed ?? undefined);
        if (live)
          throw apiError(
            'ALREADY_EXISTS',
            sessionLiveMessage(nodeId, live),
            'replace',
            sessionLiveExtensions(nodeId, live),
          );
        expected = current;
      }
      outcome = await this.startSession(nodeId, data, expected);
    }
    const node = await this.after(
      nodeId,
      outcome,
      () => this.capacity.node(nodeId),
      `session ${sessionId} of node ${nodeId} was started`,
      started,
    );
    const [minimum, market] = await Promise.all([
      this.marketMinimum(node.marketId),
      node.marketId ? this.orders.market(node.marketId) : null,
    ]);
    return {
      sessionId,
      nodeId,
      status: node.status,
      // One this gateway does not know (a newer capacity's) is left out, not a failed join.
      ...(node.suspendedReason && node.suspendedReason in SuspendedReason
        ? { suspendedReason: node.suspendedReason as SuspendedReason }
        : {}),
      ...(node.marketId ? { marketId: node.marketId } : {}),
      ...(market ? { marketStatus: market.status } : {}),
      // Capacity's, as it recorded them: its watchdog declares the node lost, and it gives a spot
      // check as long as the interval to be seen.
      heartbeatIntervalMs: node.sessionHeartbeat?.intervalMs ?? this.config.HEARTBEAT_INTERVAL_MS,
      ...this.sizingView(node.sessionSizing),
      ...(node.challengeSize ? { spotChallengeSize: node.challengeSize } : {}),
      precision: 'f32',
      ...(node.certifiedUntil ? { certifiedUntil: node.certifiedUntil } : {}),
      ...(minimum === undefined ? {} : { requiredTflops: minimum * node.gpus }),
    };
  }

  @Mutation(() => ChallengeTicket, {
    nullable: true,
    description:
      "Asks for a certification challenge at a claimed throughput, TFLOP/s for the whole node (all its declared GPUs): its deadline follows from the claim. Needs a joined session. A claim above 1.25 × the model's peak × GPUs (at the precision), below the market's minimum × GPUs (f32 only: markets ask f32 TFLOP/s), or so low that the challenge would take over 5 minutes is refused (BAD_USER_INPUT on claimedTflops). The challenge's size n follows the claim (WorkerSession.challengeSize says how). The certified figure per GPU is what the node delivered over its declared GPUs. f16 is certified apart (tflopsF16PerGpu) and keeps the f32 figure." +
      PROTOCOL_STEP,
  })
  @Roles('worker')
  async requestCertification(
    @Args('claimedTflops', {
      type: () => Float,
      description: `TFLOP/s for the whole node: greater than 0, at most ${NUMBER_LIMITS.tflops} (and within the bounds above).`,
    })
    claimedTflops: number,
    @Args('precision', {
      type: () => Precision,
      defaultValue: 'f32',
      description: 'The precision to certify: f32 (what markets require) or f16.',
    })
    precision: Precision,
    @Caller() worker: Principal,
  ): Promise<ChallengeTicket> {
    const nodeId = worker.nodeId!;
    const started = Date.now();
    if (!(claimedTflops > 0 && claimedTflops <= NUMBER_LIMITS.tflops))
      throw apiError(
        'BAD_USER_INPUT',
        `claimedTflops must be greater than 0 and at most ${NUMBER_LIMITS.tflops}`,
        'claimedTflops',
      );
    // The market's minimum, for the decider's bound on the claim.
    const minimum = await this.marketMinimum(await this.capacity.nodeField(nodeId, 'marketId'));
    const data = {
      nodeId,
      purpose: 'certification',
      claimedTflops,
      seed: randomBytes(16).toString('hex'),
      precision,
      ...(minimum === undefined ? {} : { requiredTflopsPerGpu: minimum }),
    };
    const outcome = await this.commands
      .execute('capacity', { type: CapacityCommands.issueChallenge.type, subject: nodeId, data }, rm.name)
      .catch(async (error: unknown) => {
        throw await this.whileChallenged(nodeId, credentialsNode(error));
      });
    const { request: _request, ...ticket } = await this.after(
      nodeId,
      outcome,
      () => this.ticketOrNull(nodeId),
      `a certification challenge for node ${nodeId} was issued`,
      started,
    );
    // A spot check issued since (it supersedes the certification) is handed out by a heartbeat,
    // which starts its clock (rules/delivery.ts in capacity): never here, as a certification's ticket.
    if (ticket.purpose !== 'CERTIFICATION')
      throw apiError(
        'ALREADY_EXISTS',
        `node ${nodeId} is answering spot challenge ${ticket.id}, issued since: the next heartbeat hands it out; ask for certification once it is answered`,
      );
    return ticket;
  }

  @Mutation(() => GraphQLJSON, {
    nullable: true,
    description:
      'Commits to the products (a Commitment); answers the OpenRequest: the rows of which products to open and the columns checked, drawn only now. A commitment that fails its checks (late, wrong seed, malformed) ends the challenge: error CHALLENGE_FAILED with extensions.reason.' +
      PROTOCOL_STEP,
  })
  @Roles('worker')
  async commitChallenge(
    @Args('challengeId', CHALLENGE_ID) challengeId: string,
    @Args('commitment', {
      type: () => GraphQLJSON,
      description:
        "The Commitment (libs/certification): the challenge's id and seed echoed, the root over every product's rows, and the worker's own timings (not trusted).",
    })
    commitment: Record<string, unknown>,
    @Caller() worker: Principal,
  ): Promise<Record<string, unknown>> {
    const started = Date.now();
    const receivedAt = new Date(started).toISOString();
    const nodeId = worker.nodeId!;
    const data = { nodeId, challengeId, commitment, openSeed: randomBytes(16).toString('hex'), receivedAt };
    const outcome = await this.commands
      .execute('capacity', { type: CapacityCommands.commitChallenge.type, subject: nodeId, data }, rm.name)
      .catch(async (error: unknown) => {
        throw (
          (await this.failedAlready(nodeId, challengeId, error, 'commitment')) ??
          (await this.whileChallenged(nodeId, error))
        );
      });
    if (outcome.eventTypes.includes('capacity.NodeCertificationFailed')) {
      const entry = await this.after(
        nodeId,
        outcome,
        () => this.capacity.lastCertification(nodeId) as Promise<Entry | null>,
        `challenge ${challengeId} failed at its commitment`,
        started,
      );
      throw apiError(
        'CHALLENGE_FAILED',
        `challenge ${challengeId} failed: ${entry.reason}: ${entry.detail}`,
        'commitment',
        { reason: entry.reason },
      );
    }
    // The commitment is taken, and the challenge's open request drawn: both in capacity's model.
    const ticket = await this.after(
      nodeId,
      outcome,
      () => this.ticketOrNull(nodeId),
      `the commitment to challenge ${challengeId} was taken`,
      started,
    );
    if (!ticket.request)
      throw apiError('NOT_FOUND', `challenge ${challengeId} has no open request`, 'challengeId');
    return ticket.request;
  }

  @Mutation(() => ChallengeVerdict, {
    nullable: true,
    description:
      'Opens the rows asked for (an Opening); answers the verdict, and the node as it now stands.' +
      PROTOCOL_STEP,
  })
  @Roles('worker')
  async answerChallenge(
    @Args('challengeId', CHALLENGE_ID) challengeId: string,
    @Args('opening', {
      type: () => GraphQLJSON,
      description:
        "The Opening (libs/certification): the challenge's id, and each leaf the OpenRequest asked for, in its order, with its values and its Merkle proof.",
    })
    opening: Record<string, unknown>,
    @Caller() worker: Principal,
  ): Promise<ChallengeVerdict> {
    const started = Date.now();
    const receivedAt = new Date(started).toISOString();
    const nodeId = worker.nodeId!;
    const outcome = await this.commands
      .execute(
        'capacity',
        {
          type: CapacityCommands.answerChallenge.type,
          subject: nodeId,
          data: { nodeId, challengeId, opening, receivedAt },
        },
        rm.name,
      )
      .catch(async (error: unknown) => {
        throw (
          (await this.failedAlready(nodeId, challengeId, error, 'opening')) ??
          (await this.whileChallenged(nodeId, error))
        );
      });
    const node = toNode(
      await this.after(
        nodeId,
        outcome,
        () => this.capacity.node(nodeId),
        `the verdict on challenge ${challengeId} was recorded`,
        started,
      ),
    );
    const entry = await this.lastEntry(nodeId);
    if (outcome.eventTypes.includes('capacity.NodeCertificationFailed')) {
      return {
        challengeId,
        ok: false,
        ...(entry.reason ? { reason: entry.reason } : {}),
        ...(entry.detail ? { detail: entry.detail } : {}),
        node,
      };
    }
    // The whole node's figure: a spot check's, or the certificate's (per GPU before it was recorded whole).
    const measured =
      entry.measuredTflops ?? (entry.tflopsPerGpu ? entry.tflopsPerGpu.f32 * node.gpus : undefined);
    return { challengeId, ok: true, ...(measured !== undefined ? { measuredTflops: measured } : {}), node };
  }

  @Mutation(() => GpuNode, {
    nullable: true,
    description:
      "Ends the node's session now, for a worker that stops (`gpu-worker join` sends it on SIGINT or SIGTERM): without it the node is declared lost a heartbeat window later, and could be leased meanwhile. A node that could sell stops selling at once: suspended NODE_LEFT (its asks cancelled, its running leases breached from now, the buyers credited), until it joins again and recertifies. A certification in flight ends; a spot check stays due. Answers the node as it now stands. A session that is not the node's current one (it ended, or another replaced it) is refused NOT_FOUND on sessionId." +
      PROTOCOL_STEP,
  })
  @Roles('worker')
  async leaveSession(
    @Args('sessionId', SESSION_ID) sessionId: string,
    @Caller() worker: Principal,
  ): Promise<GpuNode> {
    const nodeId = worker.nodeId!;
    const started = Date.now();
    // The leave is the worker's last sign of life: kept as its heartbeat (what settlement's meter
    // charges a lease up to), and the breach is dated then (capacity's rules/breach-time.ts). A
    // lease that ended between the heartbeat before and the leave's decision was neither breached
    // nor ever charged to its end, its last part held in escrow.
    const data = { nodeId, sessionId, lastHeartbeatAt: new Date(started).toISOString() };
    this.commands.validate('capacity', CapacityCommands.leaveSession.type, data);
    if ((await this.capacity.nodeField(nodeId, 'sessionId')) === sessionId)
      await this.beat(nodeId, data.lastHeartbeatAt);
    const outcome = await this.commands.execute(
      'capacity',
      { type: CapacityCommands.leaveSession.type, subject: nodeId, data },
      rm.name,
    );
    return toNode(
      await this.after(
        nodeId,
        outcome,
        () => this.capacity.node(nodeId),
        `session ${sessionId} of node ${nodeId} ended: the worker left`,
        started,
      ),
    );
  }

  @Mutation(() => HeartbeatAck, {
    nullable: true,
    description:
      "Says the node is alive; answers with a spot challenge when one is pending. Its clock starts when it is first handed out (its challenge's issuedAt and deadline say so): answer it at once. A session that is not the node's current one is refused NOT_FOUND on sessionId: with extensions.reason SESSION_REPLACED when another session holds the node (another worker joined as it: the newest join holds a node, and `gpu-worker join` replaced so stops, exit 4), without it when the session was lost (join again) or the id is none joinSession gave out." +
      PROTOCOL_STEP,
  })
  @Roles('worker')
  async heartbeat(
    @Args('sessionId', SESSION_ID) sessionId: string,
    @Caller() worker: Principal,
  ): Promise<HeartbeatAck> {
    const nodeId = worker.nodeId!;
    if (!couldBeSessionId(sessionId))
      throw apiError(
        'NOT_FOUND',
        `session ${sessionId} is no session joinSession gave out: send the sessionId joinSession answered`,
        'sessionId',
      );
    const current = await this.capacity.nodeField(nodeId, 'sessionId');
    // Another session holds the node: another worker joined as it since (the newest join holds a
    // node). Said apart (extensions.reason), so that the worker replaced stops rather than joining
    // again and taking the node back, which two workers on one credential did for ever.
    if (current && current !== sessionId)
      throw apiError(
        'NOT_FOUND',
        `session ${sessionId} was replaced by another session of node ${nodeId}: another worker joined as this node since (one worker per node; the newest join holds it)`,
        'sessionId',
        { reason: SESSION_REPLACED },
      );
    if (current !== sessionId)
      throw apiError(
        'NOT_FOUND',
        `session ${sessionId} is not the node's current one (lost, or replaced): join again`,
        'sessionId',
      );
    // Its session was just read from the node's record: gone since, Redis was flushed in between.
    const view = await this.capacity.node(nodeId);
    if (!view) throw unavailableError();
    await this.beat(nodeId);
    const node = toNode(view);
    const c = await this.capacity.challenge(nodeId);
    const pending = c && c.purpose === 'spot' && !c.request ? await this.handOut(nodeId, c, view) : null;
    return {
      status: node.status,
      ...(pending ? { challenge: { id: pending.id, purpose: 'SPOT', challenge: pending.challenge } } : {}),
    };
  }

  /**
   * A commitment or an opening refused NOT_FOUND for a challenge the verifier failed already (the
   * watchdog, at its deadline): CHALLENGE_FAILED with the failure's reason, as a commitment that
   * reaches capacity late but first is answered (ended-challenge.ts). Null for any other refusal.
   */
  private async failedAlready(
    nodeId: string,
    challengeId: string,
    error: unknown,
    field: 'commitment' | 'opening',
  ): Promise<GraphQLError | null> {
    if (
      !(error instanceof GraphQLError) ||
      error.extensions['code'] !== 'NOT_FOUND' ||
      error.extensions['field'] !== 'challengeId'
    )
      return null;
    const ended = endedChallenge(
      await this.capacity.lastCertifications(nodeId, ENDED_CHALLENGE_SEARCH),
      challengeId,
    );
    return ended
      ? apiError('CHALLENGE_FAILED', endedChallengeMessage(challengeId, ended), field, {
          reason: ended.reason,
        })
      : null;
  }

  /**
   * A step refused because the node answers another challenge: a certification asked for
   * (ALREADY_EXISTS), or a commitment or an opening of one no longer in flight (NOT_FOUND: a spot
   * check ended it, unrecorded until fetched, capacity's rules/unseen-supersede.ts). A spot check
   * not handed out yet is handed out now, its clock started as at a heartbeat: otherwise a
   * provider could ask for certification, or step a certification it keeps in flight, to see a
   * spot check coming, and free its GPU for it before fetching it. The refusal then says so; its
   * worker's next heartbeat brings the check.
   */
  private async whileChallenged(nodeId: string, error: unknown): Promise<unknown> {
    const code = error instanceof GraphQLError ? error.extensions['code'] : undefined;
    if (!(error instanceof GraphQLError && (code === 'ALREADY_EXISTS' || code === 'NOT_FOUND'))) return error;
    const c = await this.capacity.challenge(nodeId);
    if (!c || c.purpose !== 'spot' || c.request || c.delivered) return error;
    const handed = await this.handOut(nodeId, c, await this.capacity.node(nodeId));
    if (!handed) return error;
    return new GraphQLError(
      `node ${nodeId} is answering spot challenge ${handed.id}, handed out now (its clock runs): the next heartbeat brings it; ask for certification once it is answered`,
      { extensions: error.extensions },
    );
  }

  /**
   * The node's spot check as its worker may be handed it: one not delivered yet is delivered first
   * (capacity restarts its clock at that decision, rules/delivery.ts), and its seed goes out only
   * once that is recorded, so no work on it can start before its clock. Null when there is none to
   * hand out: answered or ended meanwhile, past its deadline (the watchdog fails it), or its
   * delivery not recorded within a heartbeat interval (capacity paused: the next heartbeat tries
   * again; a heartbeat says the node is alive whatever happens to its spot check).
   */
  private async handOut(
    nodeId: string,
    c: ChallengeView,
    node: NodeView | null,
  ): Promise<ChallengeView | null> {
    if (c.delivered) return c;
    // Bounded by the heartbeat interval capacity recorded for the session (this gateway's where none).
    const intervalMs = node?.sessionHeartbeat?.intervalMs ?? this.config.HEARTBEAT_INTERVAL_MS;
    const started = Date.now();
    try {
      const outcome = await this.commands.execute(
        'capacity',
        {
          type: CapacityCommands.deliverChallenge.type,
          subject: nodeId,
          data: { nodeId, challengeId: c.id },
        },
        rm.name,
        Math.min(intervalMs, COMMAND_TIMEOUT_MS),
      );
      const now = await this.after(
        nodeId,
        outcome,
        () => this.capacity.challenge(nodeId),
        `spot challenge ${c.id} of node ${nodeId} was handed out`,
        started,
      );
      return now.id === c.id && now.delivered && !now.request ? now : null;
    } catch (error) {
      if (error instanceof GraphQLError) return null;
      throw error;
    }
  }
}

/**
 * A challenge the worker's node is answering already (ALREADY_EXISTS on nodeId): nothing the worker
 * sent is at fault, and nodeId is no argument of requestCertification, so no field is named. (A
 * node that may not certify, FORBIDDEN, keeps nodeId: it is the node, its credential's, at fault.)
 */
function credentialsNode(error: unknown): unknown {
  if (
    error instanceof GraphQLError &&
    error.extensions['code'] === 'ALREADY_EXISTS' &&
    error.extensions['field'] === 'nodeId'
  ) {
    const { field: _field, ...extensions } = error.extensions;
    return new GraphQLError(error.message, { extensions });
  }
  return error;
}
