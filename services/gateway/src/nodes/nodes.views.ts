import { Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import {
  labelRule,
  modelNameRule,
  NUMBER_LIMITS,
  TEXT_LIMITS,
  type NodeCertificationFailed,
  type NodeCertified,
} from '@gpux/contracts';
import type { NodeView } from '@gpux/read-models';
import { Connection } from '../api/connections';
import {
  CertificationKind,
  CertificationMethod,
  ChallengeFailureReason,
  ChallengePurpose,
  NodeStatus,
  NodeTier,
  Precision,
  SuspendedReason,
} from '../api/enums';
import { GraphQLJSON } from '../api/json.scalar';
import { GraphQLDateTimeString } from '../api/scalars';

/** A node credential, where an answer holds one. */
const NODE_CREDENTIAL_DESCRIPTION =
  'The node\'s credential (gpxn_…), shown only here (only its digest is stored): its worker sends it as "Authorization: Bearer <credential>" (gpu-worker join).';

@ObjectType({ description: "A provider's machine: its declared GPUs and what certification measured." })
export class GpuNode {
  @Field(() => ID, {
    description: "The node's id: its provider's choice at registerNode, or one generated then.",
  })
  id!: string;
  @Field(() => ID, { description: 'The account of the provider that registered it.' })
  providerId!: string;
  @Field(() => ID, { description: 'The market it was registered in, and sells in.' })
  marketId!: string;
  @Field({ description: 'The declared GPU model, e.g. H100-80GB.' })
  gpuModel!: string;
  @Field(() => Int, {
    description:
      'How many GPUs it declared at registration: certification proves them all, and asks sell them.',
  })
  gpus!: number;
  @Field({ description: 'Where it runs, as its provider registered it, e.g. eu-west.' })
  region!: string;
  @Field(() => NodeStatus, {
    description: 'Where its certification stands: it may sell only while CERTIFIED.',
  })
  status!: NodeStatus;
  @Field(() => SuspendedReason, { nullable: true, description: 'Why it is suspended, while it is.' })
  suspendedReason?: SuspendedReason;
  @Field({ description: 'A worker is joined and heartbeating.' })
  online!: boolean;
  @Field(() => GraphQLDateTimeString, {
    nullable: true,
    description:
      'When its worker was last heard from (a join, a heartbeat or a leave); kept a day, so null when not heard from in the last 24 hours, or ever.',
  })
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
  @Field(() => GraphQLDateTimeString, {
    nullable: true,
    description:
      'When its latest certificate runs out: a CERTIFIED node reads EXPIRED once it has passed. Kept while the node is suspended (status says whether it may sell). Null before it is first certified.',
  })
  certifiedUntil?: string;
  @Field(() => CertificationMethod, {
    nullable: true,
    description:
      'How its latest certificate was granted: by challenge, or by an admin. Null before it is first certified.',
  })
  certifiedBy?: CertificationMethod;
  @Field(() => GraphQLDateTimeString, { description: 'When it was registered (registerNode).' })
  registeredAt!: string;
}

@ObjectType({
  description:
    'A registered node and its credential. The credential is shown this once: the worker joins with it.',
})
export class RegisteredNode {
  @Field(() => GpuNode, {
    description: 'The node, as registered: UNCERTIFIED, so asks on it are refused until it is certified.',
  })
  node!: GpuNode;
  @Field({ description: NODE_CREDENTIAL_DESCRIPTION })
  credential!: string;
}

@InputType({ description: 'A node to register: the market it sells in, what it declares, where it runs.' })
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
  @Field(() => ID, { description: 'The node it is for.' })
  nodeId!: string;
  @Field({ description: NODE_CREDENTIAL_DESCRIPTION })
  credential!: string;
}

@InputType({ description: 'Which nodes to list.' })
export class NodesFilter {
  @Field(() => ID, {
    nullable: true,
    description: 'Only the nodes of this market, which must exist: an unknown one is refused NOT_FOUND.',
  })
  marketId?: string;
  @Field(() => Float, {
    nullable: true,
    description: `Certified f32 TFLOP/s per GPU at least: 0 to ${NUMBER_LIMITS.tflops}.`,
  })
  minTflops?: number;
  @Field(() => NodeStatus, { nullable: true, description: 'Only the nodes of this status.' })
  status?: NodeStatus;
}

export const GpuNodeConnection = Connection(GpuNode, 'GpuNode', 'oldest first (by registration)');
/**
 * One record of a node's certification history, as capacity's nodes projection keeps it
 * (services/capacity/src/domain/nodes/nodes.projection.ts): the NodeCertified, SpotChallengePassed
 * or NodeCertificationFailed event's data, with `ok` and `at` (when it was recorded) added.
 */
@ObjectType('CertificationRecord', {
  description:
    "A record of a node's certification history (docs/certification.md): a certificate granted (kind CERTIFIED), a spot challenge passed (SPOT_PASSED) or a challenge failed (FAILED). A field that does not apply to its kind is null, and so is one that a record made before the field was recorded lacks (measuredTflops, challengeSize, and a certificate's challengeId and precision, of older certificates).",
})
export class CertificationRecord {
  @Field(() => CertificationKind, {
    description: 'What happened: a certificate, a spot check passed, a failure.',
  })
  kind!: CertificationKind;
  @Field(() => GraphQLDateTimeString, { description: "When capacity recorded it (its event's time)." })
  recordedAt!: string;
  @Field(() => ChallengePurpose, {
    nullable: true,
    description:
      "The challenge's purpose: CERTIFICATION for a certificate by challenge and for a failed certification, SPOT for a spot check passed or failed; null for an admin's certificate (no challenge).",
  })
  purpose?: ChallengePurpose;
  @Field(() => ID, {
    nullable: true,
    description:
      "The challenge's id: for SPOT_PASSED and FAILED, and for CERTIFIED by a challenge (the one that granted it; null for an admin's certificate, and in certificates recorded before it was).",
  })
  challengeId?: string;
  @Field(() => Precision, {
    nullable: true,
    description:
      "CERTIFIED by a challenge only: the precision it measured (f32: tflopsPerGpu, f16: tflopsF16PerGpu; the other figure is the one the node had). Null for an admin's certificate, and in certificates recorded before it was.",
  })
  precision?: Precision;
  @Field(() => CertificationMethod, {
    nullable: true,
    description: 'CERTIFIED only: by a verified challenge, or by an admin (markNodeCertified).',
  })
  method?: CertificationMethod;
  @Field(() => Float, {
    nullable: true,
    description:
      "CERTIFIED only: the certificate's f32 TFLOP/s per GPU (an f16 certification keeps the f32 figure the node had, and records it again here).",
  })
  tflopsPerGpu?: number;
  @Field(() => Float, {
    nullable: true,
    description:
      "CERTIFIED only: the certificate's f16 TFLOP/s per GPU, where f16 was measured (an f32 certification keeps the f16 figure the node had).",
  })
  tflopsF16PerGpu?: number;
  @Field(() => Float, {
    nullable: true,
    description:
      "TFLOP/s the whole node (all its declared GPUs) delivered on the verifier's clock, at its challenge's precision: a certificate by challenge's (an f16 certification's is f16; null for an admin's, and in records made before it was recorded), or a passed spot check's (f32).",
  })
  measuredTflops?: number;
  @Field(() => Int, {
    nullable: true,
    description:
      'CERTIFIED only: the size n of the n×n products of the spot checks of this certificate (GpuNode.challengeSize); null in records made before it was recorded.',
  })
  challengeSize?: number;
  @Field(() => Float, {
    nullable: true,
    description:
      "CERTIFIED only: measured per GPU / the declared model's datasheet peak, a ratio (GpuNode.efficiency); null for an admin's certificate or a model whose peak is not known.",
  })
  efficiency?: number;
  @Field(() => NodeTier, {
    nullable: true,
    description: "CERTIFIED only: the certificate's tier, by efficiency.",
  })
  tier?: NodeTier;
  @Field(() => GraphQLDateTimeString, {
    nullable: true,
    description: 'CERTIFIED only: when the certificate runs out.',
  })
  expiresAt?: string;
  @Field(() => ChallengeFailureReason, {
    nullable: true,
    description: 'FAILED only: why the challenge failed.',
  })
  reason?: ChallengeFailureReason;
  @Field({ nullable: true, description: "FAILED only: the verifier's words on the failure." })
  detail?: string;
}

type CertifiedRecord = NodeCertified & { ok: true; at: string };
type FailedRecord = NodeCertificationFailed & { ok: false; at: string };
type SpotPassedRecord = {
  challengeId: string;
  measuredTflops: number;
  purpose: 'spot';
  ok: true;
  at: string;
};

/** A record of capacity's certifications list (JSON, one of three events' data) as the API shows it. */
export function toCertificationRecord(record: Record<string, unknown>): CertificationRecord {
  if (record['ok'] === false) {
    const r = record as unknown as FailedRecord;
    return {
      kind: CertificationKind.FAILED,
      recordedAt: r.at,
      purpose: r.purpose.toUpperCase() as ChallengePurpose,
      challengeId: r.challengeId,
      reason: r.reason as ChallengeFailureReason,
      detail: r.detail,
    };
  }
  if (typeof record['method'] === 'string') {
    const r = record as unknown as CertifiedRecord;
    return {
      kind: CertificationKind.CERTIFIED,
      recordedAt: r.at,
      ...(r.method === 'challenge' ? { purpose: ChallengePurpose.CERTIFICATION } : {}),
      ...(r.challengeId !== undefined ? { challengeId: r.challengeId } : {}),
      ...(r.precision !== undefined ? { precision: r.precision as Precision } : {}),
      method: r.method as CertificationMethod,
      tflopsPerGpu: r.tflopsPerGpu.f32,
      ...(r.tflopsPerGpu.f16 !== undefined ? { tflopsF16PerGpu: r.tflopsPerGpu.f16 } : {}),
      ...(r.measuredTflops !== undefined ? { measuredTflops: r.measuredTflops } : {}),
      ...(r.challengeSize !== undefined ? { challengeSize: r.challengeSize } : {}),
      ...(r.efficiency !== null ? { efficiency: r.efficiency } : {}),
      tier: r.tier as NodeTier,
      expiresAt: r.expiresAt,
    };
  }
  const r = record as unknown as SpotPassedRecord;
  return {
    kind: CertificationKind.SPOT_PASSED,
    recordedAt: r.at,
    purpose: ChallengePurpose.SPOT,
    challengeId: r.challengeId,
    measuredTflops: r.measuredTflops,
  };
}

export const CertificationRecordConnection = Connection(
  CertificationRecord,
  'CertificationRecord',
  'newest first',
);
/**
 * The same history as capacity keeps it, each record untyped JSON: GpuNode.certifications, kept for
 * the clients written against it (deprecated: certificationRecords types it).
 */
export const CertificationConnection = Connection<Record<string, unknown>>(
  GraphQLJSON,
  'Certification',
  'newest first',
  'A certification record as capacity keeps it, with ok and at (when it was recorded). A certificate (ok, no purpose): method, tflopsPerGpu {f32, f16?} (certified TFLOP/s per GPU), measuredTflops (the whole node, by challenge), efficiency, tier, challengeSize, expiresAt, and by challenge (since NodeCertified v2) challengeId and precision (f32 or f16, the one it measured). A failed challenge (ok false): purpose, challengeId, reason (a ChallengeFailureReason), detail. A passed spot check (purpose spot): challengeId, measuredTflops (the whole node). CertificationRecord types it (GpuNode.certificationRecords).',
);
