import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import {
  ChallengeFailureReason,
  ChallengePurpose,
  MarketStatus,
  NodeStatus,
  Precision,
  SuspendedReason,
} from '../api/enums';
import { GraphQLJSON } from '../api/json.scalar';
import { GraphQLDateTimeString } from '../api/scalars';
import { GpuNode } from '../nodes/nodes.views';

// What the worker's side of the API answers (workers.resolver.ts).

@ObjectType({ description: "A worker's session with the marketplace: it heartbeats with the session id." })
export class WorkerSession {
  @Field(() => ID, { description: 'The session: heartbeat and leaveSession name it.' })
  sessionId!: string;
  @Field(() => ID, { description: "The node of the worker's credential." })
  nodeId!: string;
  @Field(() => NodeStatus, { description: "The node's status (certify to sell)." })
  status!: NodeStatus;
  @Field(() => SuspendedReason, {
    nullable: true,
    description:
      'Why the node is suspended, while it is (GpuNode.suspendedReason): its asks were cancelled and its running leases credited then; certified again, it sells only by new asks.',
  })
  suspendedReason?: SuspendedReason;
  @Field(() => ID, { nullable: true, description: 'The market the node was registered in.' })
  marketId?: string;
  @Field(() => MarketStatus, {
    nullable: true,
    description:
      "Its market's status: CLOSED, the node sells nothing more there (an ask is refused MARKET_CLOSED, and a closed market never reopens), its running leases run on to their ends (served by this worker: stop it once they end, GpuNode.leasedUntil); to sell, register a node in an OPEN market. Null where the market is not known (yet) to the orders model.",
  })
  marketStatus?: MarketStatus;
  @Field(() => Int, { description: 'How often to heartbeat, in milliseconds.' })
  heartbeatIntervalMs!: number;
  @Field(() => Int, {
    description:
      'The smallest size n of challenges (n×n by n×n): what to measure a first claim at. A challenge is sized from its claim: the smallest of challengeSize, 2×, 4×… at which one product takes at least challengeProductMs at the claimed TFLOP/s, at most challengeMaxSize (docs/certification.md); tune for that size before asking.',
  })
  challengeSize!: number;
  @Field(() => Int, { description: 'The largest size n of challenges.' })
  challengeMaxSize!: number;
  @Field(() => Float, {
    description:
      'The least time, ms, one product of a challenge takes at the claimed TFLOP/s: it picks the size.',
  })
  challengeProductMs!: number;
  @Field(() => Int, {
    nullable: true,
    description:
      "The size n of this node's spot checks: the size its certified f32 figure was measured at (for an administrator's certificate, the size its spot claim picks). Absent until it is certified. Tune for it before serving, so a spot check never waits for tuning.",
  })
  spotChallengeSize?: number;
  @Field(() => Precision, {
    description:
      "The precision of the session's spot checks and of a certification asked without one: always f32, what markets require (requestCertification's precision asks for an f16 certification).",
  })
  precision!: Precision;
  @Field(() => GraphQLDateTimeString, {
    nullable: true,
    description:
      "When the node's latest certificate runs out (GpuNode.certifiedUntil); null before it is first certified.",
  })
  certifiedUntil?: string;
  @Field(() => Float, {
    nullable: true,
    description:
      "What the node's market requires of the whole node, f32 TFLOP/s: its minimum per GPU × the node's declared GPUs. A certification claim below it is refused: claim at least this where the node delivers it.",
  })
  requiredTflops?: number;
}

@ObjectType({
  description:
    'A challenge to answer, of the protocol version its challenge.version names (docs/certification.md): compute its batch of products C_p = A_p·B_p, commit to all their rows with one root, then open the chunks of rows asked for.',
})
export class ChallengeTicket {
  @Field(() => ID, { description: "The challenge's id: commitChallenge and answerChallenge name it." })
  id!: string;
  @Field(() => ChallengePurpose, {
    description: 'Why it was issued: a certification asked for, or a spot check.',
  })
  purpose!: ChallengePurpose;
  @Field(() => GraphQLJSON, { description: 'The Challenge (libs/certification).' })
  challenge!: Record<string, unknown>;
}

@ObjectType({ description: 'How a challenge ended.' })
export class ChallengeVerdict {
  @Field(() => ID, { description: 'The challenge answered.' })
  challengeId!: string;
  @Field({
    description:
      'Whether it passed: a certification certified the node, a spot check left its certificate as it was. False: reason says why it failed.',
  })
  ok!: boolean;
  @Field(() => ChallengeFailureReason, { nullable: true, description: 'Why it failed, if it did.' })
  reason?: ChallengeFailureReason;
  @Field({ nullable: true, description: "Why it failed, in the verifier's words; null when it passed." })
  detail?: string;
  @Field(() => Float, {
    nullable: true,
    description:
      "TFLOP/s the whole node delivered, measured on the verifier's clock from issue to commitment (the certificate is this over its declared GPUs).",
  })
  measuredTflops?: number;
  @Field(() => GpuNode, {
    description:
      'The node as the verdict left it: certified by a certification passed, suspended by a spot check failed (where it could sell).',
  })
  node!: GpuNode;
}

@ObjectType({
  description: "What a heartbeat answers: the node's status, and a spot challenge when one is due.",
})
export class HeartbeatAck {
  @Field(() => NodeStatus, { description: "The node's status." })
  status!: NodeStatus;
  @Field(() => ChallengeTicket, {
    nullable: true,
    description: 'A spot challenge to answer now, if one is pending.',
  })
  challenge?: ChallengeTicket;
}
