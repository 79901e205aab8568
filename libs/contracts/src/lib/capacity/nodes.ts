import { z } from 'zod';
import { defineServiceMessages } from '../common';
import { entityId } from '../envelope';
import { shallowJson } from '../json-depth';
import { NUMBER_LIMITS, TEXT_LIMITS } from '../limits';
import { label, modelName, printable } from '../text';
import { MessageRegistry } from '../registry';

/** Everything `capacity` reads and writes about providers' nodes. */
export const capacityMessages = new MessageRegistry();

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 digest in hex');
export const precisionSchema = z.enum(['f32', 'f16']);

/**
 * The least efficiency (measured / the model's datasheet peak) of a certificate's tier: real work
 * reaches 35–45 % of peak. Below silver's, or without an efficiency, a certificate is bronze.
 */
export const TIER_FROM = { gold: 0.4, silver: 0.3 } as const;

export const registerNodeSchema = z.object({
  nodeId: entityId,
  providerId: entityId,
  /** The declared GPU model, e.g. `H100-80GB`: what certification measures against. */
  gpuModel: z.string().min(1).max(64),
  gpus: z
    .number()
    .int('must be a whole number of GPUs')
    .positive('must be at least 1')
    .max(NUMBER_LIMITS.nodeGpus),
  region: z.string().min(1).max(64),
  /** The market the node sells in (its GPU class). */
  marketId: entityId,
  /** sha256 of the node's credential; the credential itself goes to the provider once. */
  credentialHash: sha256Hex,
});
/** The command's: names a caller gives must be printable and not blank (the event takes what was recorded). */
export const registerNodeCommandSchema = registerNodeSchema.extend({
  gpuModel: modelName(TEXT_LIMITS.gpuModel),
  region: label(TEXT_LIMITS.region),
});
export const nodeCertifiedSchema = z.object({
  nodeId: entityId,
  providerId: entityId,
  marketId: entityId,
  gpus: z.number().int().positive(),
  /** Measured per GPU, by precision: what the node delivered over its declared GPUs. */
  tflopsPerGpu: z.object({ f32: z.number().min(0), f16: z.number().min(0).optional() }),
  /** By challenge: what the whole node delivered on the verifier's clock, TFLOP/s (absent before it was recorded). */
  measuredTflops: z.number().min(0).optional(),
  /**
   * The size n of this certificate's spot checks: the f32 challenge's that measured
   * `tflopsPerGpu.f32`, or for an administrator's certificate the size its spot claim picks
   * (absent before certificates recorded it).
   */
  challengeSize: z.number().int().min(16).max(8192).optional(),
  /** Measured / the declared model's peak; null when the peak is not known. */
  efficiency: z.number().min(0).nullable(),
  tier: z.enum(['bronze', 'silver', 'gold']),
  expiresAt: z.iso.datetime({ offset: true }),
  /** `challenge`: a verified matmul challenge; `admin`: marked by an administrator (tests, demos). */
  method: z.enum(['challenge', 'admin']),
});
/**
 * v2: what a certificate by challenge measured, so its record says so: the id of the challenge that
 * produced it and the precision it measured (an f16 certification's figure is `tflopsPerGpu.f16`,
 * the f32 one it keeps was measured before). An administrator's certificate measured nothing and
 * has neither. Absent in certificates recorded before they were carried (a v1 reads as a v2
 * without them).
 */
export const nodeCertifiedV2Schema = nodeCertifiedSchema.extend({
  challengeId: z.string().min(1).max(64).optional(),
  precision: precisionSchema.optional(),
});
export const markNodeCertifiedSchema = z.object({
  nodeId: entityId,
  tflopsPerGpu: z.number().positive().max(NUMBER_LIMITS.tflops),
  /** How long the certificate lasts. */
  validForMs: z
    .number()
    .int()
    .positive()
    .max(366 * 24 * 3_600_000),
});

const nodeRef = z.object({ nodeId: entityId });
/** A protocol message of libs/certification (Challenge, Commitment, OpenRequest, Opening): checked there. */
const protocolMessage = z.record(z.string(), z.unknown());
/** A protocol message a worker sends: nested at most MAX_JSON_DEPTH deep (events take what was recorded). */
const sentProtocolMessage = shallowJson(protocolMessage);
export const challengePurposeSchema = z.enum(['certification', 'spot']);

export const rotateNodeCredentialSchema = nodeRef.extend({ providerId: entityId, credentialHash: sha256Hex });
export const revokeNodeCredentialSchema = nodeRef.extend({ providerId: entityId });
/**
 * Who revoked a node's credential: its provider, or the operator (an admin key: a node whose
 * credential is compromised, whichever provider's it is).
 */
export const revokedBySchema = z.enum(['provider', 'admin']);
export type RevokedBy = z.infer<typeof revokedBySchema>;
/**
 * v2: who revokes it (`revokedBy`; absent: its provider, so that a provider's revocation is the
 * request it was before v2, and a retry across the upgrade with the same key gets its outcome, not
 * IDEMPOTENCY_KEY_REUSED). `providerId` stays the node's provider, as the gateway read it (the
 * node's, checked again by capacity), whoever revokes. A v1 was its provider's.
 */
export const revokeNodeCredentialV2Schema = revokeNodeCredentialSchema.extend({
  revokedBy: revokedBySchema.optional(),
});
export const nodeCredentialRevokedSchema = nodeRef.extend({ credentialHash: sha256Hex });
/** v2: who revoked it (`revokedBy`); a v1 was revoked by its provider, the only one who could then. */
export const nodeCredentialRevokedV2Schema = nodeCredentialRevokedSchema.extend({
  revokedBy: revokedBySchema,
});
/** A v1 revocation, command or event, read as v2: its provider's. */
const revokedByProvider = (v1: unknown) => ({ ...(v1 as object), revokedBy: 'provider' });
export const nodeCredentialRotatedSchema = nodeRef.extend({
  credentialHash: sha256Hex,
  previousHash: sha256Hex,
});
export const startSessionSchema = nodeRef.extend({
  sessionId: entityId,
  /** The worker's description of its GPU, as its adapter names it. */
  adapter: z.string().max(256).optional(),
});
/** The command's: the adapter's description is one printable line (the event takes what was recorded). */
export const startSessionCommandSchema = startSessionSchema.extend({
  adapter: printable(TEXT_LIMITS.adapter).optional(),
  /**
   * A conditional start (joinSession with `replace: false`): the session the gateway found the
   * node's current one, and judged not live (null: none open). Capacity refuses the start
   * (ALREADY_EXISTS on expectedSessionId) when the node's session is another by the time it
   * decides: another join started one meanwhile, which this start is not to replace. Absent: the
   * start replaces whatever holds the node. Not recorded in SessionStarted.
   */
  expectedSessionId: entityId.nullable().optional(),
});
/**
 * How capacity sizes the session's challenges from their claims (docs/certification.md, "The size of
 * a challenge"): the smallest n, the largest, and the least time a product takes at the claim. The
 * event records capacity's own, and the gateway tells the worker these, so that it tunes for the
 * sizes it will be challenged at whatever the gateway is configured with.
 */
export const challengeSizingSchema = z.object({
  minSize: z.number().int().min(1).max(65_536),
  maxSize: z.number().int().min(1).max(65_536),
  productMs: z.number().min(0).max(60_000),
});
/**
 * How capacity watches the session: how often its worker is to heartbeat (a spot check waits at
 * most that long to be seen) and how long a silent one has before it is lost. The event records
 * capacity's own, and the gateway tells the worker the interval and keeps each heartbeat that long,
 * whatever the gateway is configured with.
 */
export const sessionHeartbeatSchema = z.object({
  intervalMs: z.number().int().min(1).max(3_600_000),
  timeoutMs: z.number().int().min(1).max(3_600_000),
});
export const sessionStartedSchema = startSessionSchema.extend({
  sizing: challengeSizingSchema.optional(),
  heartbeat: sessionHeartbeatSchema.optional(),
});
const hex128 = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex digits');
/** The challenge is built by the decider from these and its clock; `seed`: drawn from the OS at the edge. */
export const issueChallengeSchema = nodeRef.extend({
  purpose: challengePurposeSchema,
  /** For the whole node: all its declared GPUs together. */
  claimedTflops: z.number().positive('must be greater than 0').max(NUMBER_LIMITS.tflops),
  /**
   * The size of the products; absent, the decider sizes it from the claim (docs/certification.md,
   * "The size of a challenge"). A spot check gives its certificate's.
   */
  n: z.number().int().min(16, 'must be at least 16').max(8192, 'must be at most 8192').optional(),
  seed: hex128,
  /** The node's market's minimum certified TFLOP/s per GPU, looked up at the edge: a claim below it × GPUs is refused. */
  requiredTflopsPerGpu: z.number().min(0).max(NUMBER_LIMITS.tflops).optional(),
  /** The precision to certify (absent: f32). f16 is certified apart, so markets can price either. */
  precision: precisionSchema.optional(),
});
/**
 * When the gateway received a node's commitment or opening: the challenge's deadlines and the
 * certified figure are judged at it, not at the decision, which a pause of capacity (a restart, a
 * rebalance) can put seconds later. Absent in commands recorded before it was.
 */
const receivedAt = z.iso.datetime({ offset: true }).optional();

/** `openSeed`: the randomness of the rows to open and the vectors r, drawn after the commitment. */
export const commitChallengeSchema = nodeRef.extend({
  challengeId: z.string().min(1).max(64),
  commitment: sentProtocolMessage,
  openSeed: hex128,
  receivedAt,
});
/**
 * A spot check is handed to its worker (a heartbeat, or any answer that carries it): its clock
 * starts now, at the decision, since the gateway gives its seed out only once this is recorded.
 */
export const deliverChallengeSchema = nodeRef.extend({
  challengeId: z.string().min(1).max(64),
});
export const answerChallengeSchema = nodeRef.extend({
  challengeId: z.string().min(1).max(64),
  opening: sentProtocolMessage,
  receivedAt,
});
export const expireChallengeSchema = nodeRef.extend({
  challengeId: z.string().min(1).max(64),
  /**
   * When the marketplace could not take the node's answers (capacity's model was refolded: the
   * gateway answered workers UNAVAILABLE), as the watchdog saw it. A challenge whose time to answer
   * overlaps it is excused, not failed.
   */
  unanswerable: z
    .object({ from: z.iso.datetime({ offset: true }), until: z.iso.datetime({ offset: true }) })
    .optional(),
  /** The node's last heartbeat as the watchdog read it: an unanswered spot check's breach is dated no later. */
  lastHeartbeatAt: z.iso.datetime({ offset: true }).optional(),
});
export const declareNodeLostSchema = nodeRef.extend({
  sessionId: entityId,
  lastHeartbeatAt: z.iso.datetime({ offset: true }).nullable(),
});
/** The node's worker stops and says so: its session ends now, not a heartbeat window later. */
export const leaveSessionSchema = nodeRef.extend({
  sessionId: entityId,
  /**
   * When the gateway took the leave, written as the node's heartbeat (the worker was alive to send
   * it): the breach is dated then, not at the decision. Absent in commands recorded before it was.
   */
  lastHeartbeatAt: z.iso.datetime({ offset: true }).optional(),
});

export const challengeIssuedSchema = nodeRef.extend({
  purpose: challengePurposeSchema,
  challenge: protocolMessage,
});
/**
 * A spot check reached its worker: `challenge` is the challenge with its clock restarted there
 * (issuedAt the delivery, deadline the delivery plus the time its claim allows).
 */
export const challengeDeliveredSchema = nodeRef.extend({
  challengeId: z.string(),
  challenge: protocolMessage,
});
export const challengeCommittedSchema = nodeRef.extend({
  challengeId: z.string(),
  commitment: protocolMessage,
  request: protocolMessage,
});
/** A challenge failed (a certification, or a spot check of a certified node), with the reason. */
export const nodeCertificationFailedSchema = nodeRef.extend({
  challengeId: z.string(),
  purpose: challengePurposeSchema,
  /**
   * SUPERSEDED: a challenge ended without a verdict: a certification challenge unanswered when a
   * spot challenge came (which never waits for it), one ended with the session it was issued in
   * (lost, replaced, credential revoked), or either purpose past its due time while the marketplace
   * could not take its answers (excused: rules/excused.ts in capacity).
   */
  reason: z.enum([
    'PROOF_INVALID',
    'ROW_MISMATCH',
    'FREIVALDS_FAILED',
    'DEADLINE_MISSED',
    'MALFORMED',
    'SEED_MISMATCH',
    'SUPERSEDED',
  ]),
  detail: z.string().max(2000),
});
export const spotChallengePassedSchema = nodeRef.extend({
  challengeId: z.string(),
  measuredTflops: z.number().min(0),
});
export const nodeLostSchema = declareNodeLostSchema;
export const nodeLeftSchema = leaveSessionSchema;
/**
 * Why a node stopped delivering: lost (silent past the heartbeat window), a failed spot challenge,
 * its credential revoked by its provider (it can no longer prove anything), or its worker left
 * (stopped, and said so).
 */
export const slaBreachReasonSchema = z.enum([
  'NODE_LOST',
  'CHALLENGE_FAILED',
  'CREDENTIAL_REVOKED',
  'NODE_LEFT',
]);
export type SlaBreachReason = z.infer<typeof slaBreachReasonSchema>;
/** A node broke its promise while selling: lost, failed a spot challenge, revoked, or left. It is suspended until it recertifies. */
export const slaBreachedSchema = nodeRef.extend({
  providerId: entityId,
  marketId: entityId,
  reason: slaBreachReasonSchema,
  detail: z.string().max(2000),
  /** When the node stopped delivering: its last heartbeat, or the failed challenge. */
  at: z.iso.datetime({ offset: true }),
});

export type RegisterNode = z.infer<typeof registerNodeSchema>;
export type NodeCertificationFailed = z.infer<typeof nodeCertificationFailedSchema>;
export type SlaBreached = z.infer<typeof slaBreachedSchema>;
export type NodeCertified = z.infer<typeof nodeCertifiedV2Schema>;

export const CapacityCommands = {
  registerNode: capacityMessages.define('capacity.RegisterNode', 'command', [
    { version: 1, schema: registerNodeCommandSchema },
  ]),
  markNodeCertified: capacityMessages.define('capacity.MarkNodeCertified', 'command', [
    { version: 1, schema: markNodeCertifiedSchema },
  ]),
  rotateNodeCredential: capacityMessages.define('capacity.RotateNodeCredential', 'command', [
    { version: 1, schema: rotateNodeCredentialSchema },
  ]),
  revokeNodeCredential: capacityMessages.define('capacity.RevokeNodeCredential', 'command', [
    { version: 1, schema: revokeNodeCredentialSchema },
    { version: 2, schema: revokeNodeCredentialV2Schema, upcast: revokedByProvider },
  ]),
  startSession: capacityMessages.define('capacity.StartSession', 'command', [
    { version: 1, schema: startSessionCommandSchema },
  ]),
  issueChallenge: capacityMessages.define('capacity.IssueChallenge', 'command', [
    { version: 1, schema: issueChallengeSchema },
  ]),
  deliverChallenge: capacityMessages.define('capacity.DeliverChallenge', 'command', [
    { version: 1, schema: deliverChallengeSchema },
  ]),
  commitChallenge: capacityMessages.define('capacity.CommitChallenge', 'command', [
    { version: 1, schema: commitChallengeSchema },
  ]),
  answerChallenge: capacityMessages.define('capacity.AnswerChallenge', 'command', [
    { version: 1, schema: answerChallengeSchema },
  ]),
  expireChallenge: capacityMessages.define('capacity.ExpireChallenge', 'command', [
    { version: 1, schema: expireChallengeSchema },
  ]),
  declareNodeLost: capacityMessages.define('capacity.DeclareNodeLost', 'command', [
    { version: 1, schema: declareNodeLostSchema },
  ]),
  leaveSession: capacityMessages.define('capacity.LeaveSession', 'command', [
    { version: 1, schema: leaveSessionSchema },
  ]),
};

export const CapacityEvents = {
  nodeRegistered: capacityMessages.define('capacity.NodeRegistered', 'event', [
    { version: 1, schema: registerNodeSchema },
  ]),
  nodeCertified: capacityMessages.define('capacity.NodeCertified', 'event', [
    { version: 1, schema: nodeCertifiedSchema },
    // v1 is a v2 without challengeId and precision: a certificate from before they were recorded.
    { version: 2, schema: nodeCertifiedV2Schema, upcast: (v1) => v1 },
  ]),
  nodeCredentialRotated: capacityMessages.define('capacity.NodeCredentialRotated', 'event', [
    { version: 1, schema: nodeCredentialRotatedSchema },
  ]),
  nodeCredentialRevoked: capacityMessages.define('capacity.NodeCredentialRevoked', 'event', [
    { version: 1, schema: nodeCredentialRevokedSchema },
    { version: 2, schema: nodeCredentialRevokedV2Schema, upcast: revokedByProvider },
  ]),
  sessionStarted: capacityMessages.define('capacity.SessionStarted', 'event', [
    { version: 1, schema: sessionStartedSchema },
  ]),
  challengeIssued: capacityMessages.define('capacity.ChallengeIssued', 'event', [
    { version: 1, schema: challengeIssuedSchema },
  ]),
  challengeDelivered: capacityMessages.define('capacity.ChallengeDelivered', 'event', [
    { version: 1, schema: challengeDeliveredSchema },
  ]),
  challengeCommitted: capacityMessages.define('capacity.ChallengeCommitted', 'event', [
    { version: 1, schema: challengeCommittedSchema },
  ]),
  nodeCertificationFailed: capacityMessages.define('capacity.NodeCertificationFailed', 'event', [
    { version: 1, schema: nodeCertificationFailedSchema },
  ]),
  spotChallengePassed: capacityMessages.define('capacity.SpotChallengePassed', 'event', [
    { version: 1, schema: spotChallengePassedSchema },
  ]),
  nodeLost: capacityMessages.define('capacity.NodeLost', 'event', [{ version: 1, schema: nodeLostSchema }]),
  nodeLeft: capacityMessages.define('capacity.NodeLeft', 'event', [{ version: 1, schema: nodeLeftSchema }]),
  slaBreached: capacityMessages.define('capacity.SlaBreached', 'event', [
    { version: 1, schema: slaBreachedSchema },
  ]),
  ...defineServiceMessages(capacityMessages, 'capacity'),
};
