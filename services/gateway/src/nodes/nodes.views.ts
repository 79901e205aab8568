import { Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { labelRule, modelNameRule, NUMBER_LIMITS, TEXT_LIMITS } from '@gpux/contracts';
import type { NodeView } from '@gpux/read-models';
import { Connection } from '../api/connections';
import { CertificationMethod, NodeStatus, NodeTier, SuspendedReason } from '../api/enums';
import { GraphQLJSON } from '../api/json.scalar';
import { GraphQLDateTimeString } from '../api/scalars';

@ObjectType({ description: "A provider's machine: its declared GPUs and what certification measured." })
export class GpuNode {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  providerId!: string;
  @Field(() => ID)
  marketId!: string;
  @Field({ description: 'The declared GPU model, e.g. H100-80GB.' })
  gpuModel!: string;
  @Field(() => Int)
  gpus!: number;
  @Field()
  region!: string;
  @Field(() => NodeStatus)
  status!: NodeStatus;
  @Field(() => SuspendedReason, { nullable: true, description: 'Why it is suspended, while it is.' })
  suspendedReason?: SuspendedReason;
  @Field({ description: 'A worker is joined and heartbeating.' })
  online!: boolean;
  @Field(() => GraphQLDateTimeString, { nullable: true })
  lastHeartbeatAt?: string;
  @Field(() => GraphQLDateTimeString, { nullable: true, description: 'The end of its latest lease.' })
  leasedUntil?: string;
  @Field(() => Float, { nullable: true, description: 'Certified f32 TFLOP/s per GPU.' })
  tflopsPerGpu?: number;
  @Field(() => Float, { nullable: true, description: 'Certified f16 TFLOP/s per GPU, where measured.' })
  tflopsF16PerGpu?: number;
  @Field(() => Int, {
    nullable: true,
    description:
      "The size n of the n×n products of its spot checks: the size its certified f32 figure was measured on (sized from the claim, docs/certification.md), or for an administrator's certificate the size its spot claim picks.",
  })
  challengeSize?: number;
  @Field(() => Float, {
    nullable: true,
    description:
      "Its latest certification's measured TFLOP/s per GPU / the declared model's datasheet peak at that precision (f32, or f16 for an f16 certification): a ratio, 0.42 for 42 %, not capped at 1. Absent for an administrator's certificate, or a model whose peak is not known.",
  })
  efficiency?: number;
  @Field(() => NodeTier, { nullable: true, description: "Its latest certification's tier, by efficiency." })
  tier?: NodeTier;
  @Field(() => GraphQLDateTimeString, { nullable: true })
  certifiedUntil?: string;
  @Field(() => CertificationMethod, { nullable: true })
  certifiedBy?: CertificationMethod;
  @Field(() => GraphQLDateTimeString)
  registeredAt!: string;
}

@ObjectType({
  description:
    'A registered node and its credential. The credential is shown this once: the worker joins with it.',
})
export class RegisteredNode {
  @Field(() => GpuNode)
  node!: GpuNode;
  @Field()
  credential!: string;
}

@InputType()
export class RegisterNodeInput {
  @Field(() => ID, { description: "The market it sells in; its GPU class must be the node's model." })
  marketId!: string;
  @Field({ description: `The declared GPU model, e.g. H100-80GB. ${modelNameRule(TEXT_LIMITS.gpuModel)}` })
  gpuModel!: string;
  @Field(() => Int, {
    description: `How many GPUs it has, 1 to ${NUMBER_LIMITS.nodeGpus}: certification proves them all, and asks sell them.`,
  })
  gpus!: number;
  @Field({ description: `Where the node runs, e.g. eu-west. ${labelRule(TEXT_LIMITS.region)}` })
  region!: string;
  @Field(() => ID, {
    nullable: true,
    description: 'Your id for the node (default: generated). Registering an id twice is refused.',
  })
  nodeId?: string;
}

/** A node as the API shows it. */
export function toNode(n: NodeView): GpuNode {
  // The session's sizing is told to its worker (WorkerSession), not shown as the node's.
  const { nodeId, status, suspendedReason, tier, certifiedBy, sessionSizing: _sizing, ...rest } = n;
  return {
    id: nodeId,
    ...rest,
    status: status as NodeStatus,
    ...(suspendedReason ? { suspendedReason: suspendedReason as SuspendedReason } : {}),
    ...(tier ? { tier: tier as NodeTier } : {}),
    ...(certifiedBy ? { certifiedBy: certifiedBy as CertificationMethod } : {}),
  };
}

@ObjectType({ description: "A node's credential, shown this once: its worker joins with it." })
export class NodeCredential {
  @Field(() => ID)
  nodeId!: string;
  @Field()
  credential!: string;
}

@InputType({ description: 'Which nodes to list.' })
export class NodesFilter {
  @Field(() => ID, { nullable: true })
  marketId?: string;
  @Field(() => Float, {
    nullable: true,
    description: `Certified f32 TFLOP/s per GPU at least: 0 to ${NUMBER_LIMITS.tflops}.`,
  })
  minTflops?: number;
  @Field(() => NodeStatus, { nullable: true })
  status?: NodeStatus;
}

export const GpuNodeConnection = Connection(GpuNode, 'GpuNode', 'oldest first (by registration)');
/** A certification record of capacity's read model (docs/certification.md): passed, failed, spot or admin. */
export const CertificationConnection = Connection<Record<string, unknown>>(
  GraphQLJSON,
  'Certification',
  'newest first',
  'A certification record as capacity keeps it, with ok and at (when it was recorded). A certificate (ok, no purpose): method, tflopsPerGpu {f32, f16?} (certified TFLOP/s per GPU), measuredTflops (the whole node, by challenge), efficiency, tier, challengeSize, expiresAt. A failed challenge (ok false): purpose, challengeId, reason (a ChallengeFailureReason), detail. A passed spot check (purpose spot): challengeId, measuredTflops (the whole node).',
);
