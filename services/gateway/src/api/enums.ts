import { registerEnumType } from '@nestjs/graphql';
import {
  challengePurposeSchema,
  endLeaseEarlySchema,
  LEASE_STATUSES,
  LEDGER_ENTRY_KINDS,
  MARKET_STATUSES,
  NODE_STATUSES,
  nodeCertificationFailedSchema,
  nodeCertifiedSchema,
  orderCancelledSchema,
  precisionSchema,
  slaBreachReasonSchema,
  TIER_FROM,
} from '@gpux/contracts';

/**
 * The enums of the schema whose values the contracts (libs/contracts) list: each is built from
 * that list, so a value the read model can hold is always one the enum has. Every value is sent
 * exactly as it was when these fields were strings (some lowercase, as the contracts spell them).
 */
function enumOf<const V extends string>(values: readonly V[]): { readonly [K in V]: K } {
  return Object.fromEntries(values.map((v) => [v, v])) as { [K in V]: K };
}

export const MarketStatus = enumOf(MARKET_STATUSES);
export type MarketStatus = keyof typeof MarketStatus;
registerEnumType(MarketStatus, {
  name: 'MarketStatus',
  description: 'OPEN takes orders; CLOSED (by an admin) cancelled every open order and takes none.',
});

export const NodeStatus = enumOf(NODE_STATUSES);
export type NodeStatus = keyof typeof NodeStatus;
registerEnumType(NodeStatus, {
  name: 'NodeStatus',
  description:
    'UNCERTIFIED until a challenge (or an admin) certifies it; CERTIFIED, it may sell; EXPIRED, its certificate ran out; SUSPENDED after an SLA breach, until it recertifies.',
});

export const SuspendedReason = enumOf(slaBreachReasonSchema.options);
export type SuspendedReason = keyof typeof SuspendedReason;
registerEnumType(SuspendedReason, {
  name: 'SuspendedReason',
  description:
    'Why a node is suspended: it went silent (NODE_LOST), failed a spot challenge (CHALLENGE_FAILED), its provider or the operator revoked its credential (CREDENTIAL_REVOKED: until it rotates and recertifies), or its worker left (NODE_LEFT: leaveSession, which `gpu-worker join` sends when it is stopped).',
});

export const CertificationMethod = enumOf(nodeCertifiedSchema.shape.method.options);
export type CertificationMethod = keyof typeof CertificationMethod;
registerEnumType(CertificationMethod, {
  name: 'CertificationMethod',
  description:
    'How a node was certified: challenge (a verified matmul challenge) or admin (tests and demos).',
});

/** What a record of GpuNode.certificationRecords says happened (CertificationRecord.kind). */
export const CertificationKind = enumOf(['CERTIFIED', 'SPOT_PASSED', 'FAILED'] as const);
export type CertificationKind = keyof typeof CertificationKind;
registerEnumType(CertificationKind, {
  name: 'CertificationKind',
  description:
    "What a certification record says happened: CERTIFIED, the node was granted a certificate (by a verified certification challenge, or by an admin: CertificationRecord.method); SPOT_PASSED, it passed a spot challenge (its certificate stands as it was); FAILED, a challenge, a certification's or a spot check's (CertificationRecord.purpose), failed (CertificationRecord.reason).",
});

export const NodeTier = enumOf(nodeCertifiedSchema.shape.tier.options);
export type NodeTier = keyof typeof NodeTier;
registerEnumType(NodeTier, {
  name: 'NodeTier',
  description: `A certified node's tier, by its efficiency (GpuNode.efficiency: measured / the model's peak): gold from ${TIER_FROM.gold}, silver from ${TIER_FROM.silver}, bronze below ${TIER_FROM.silver} or without an efficiency (an administrator's certificate, a model whose peak is not known).`,
});

export const Precision = enumOf(precisionSchema.options);
export type Precision = keyof typeof Precision;
registerEnumType(Precision, {
  name: 'Precision',
  description: 'A floating-point precision of a matmul: f32 or f16.',
});

export const LeaseStatus = enumOf(LEASE_STATUSES);
export type LeaseStatus = keyof typeof LeaseStatus;
registerEnumType(LeaseStatus, {
  name: 'LeaseStatus',
  description:
    'ACTIVE while it runs, ENDED fully paid, CREDITED ended early with the rest refunded to the buyer.',
});

export const LeaseEndReason = enumOf(endLeaseEarlySchema.shape.reason.options);
export type LeaseEndReason = keyof typeof LeaseEndReason;
registerEnumType(LeaseEndReason, {
  name: 'LeaseEndReason',
  description:
    "Why a lease ended early (CREDITED): its node stopped delivering. The node went silent (NODE_LOST), failed a spot challenge (CHALLENGE_FAILED), its provider or the operator revoked its credential (CREDENTIAL_REVOKED) or its worker left (NODE_LEFT), as the node's SuspendedReason said then; NODE_SUSPENDED where the exchange ended the lease on the node's suspension after its breach's own reason was no longer kept (the node certified again since).",
});

/** The contracts spell purposes in lowercase; the API has always sent them in capitals. */
export const ChallengePurpose = enumOf(
  challengePurposeSchema.options.map((p) => p.toUpperCase() as Uppercase<typeof p>),
);
export type ChallengePurpose = keyof typeof ChallengePurpose;
registerEnumType(ChallengePurpose, {
  name: 'ChallengePurpose',
  description:
    'CERTIFICATION: asked for by the worker to certify; SPOT: sent unannounced to a certified node.',
});

export const ChallengeFailureReason = enumOf(nodeCertificationFailedSchema.shape.reason.options);
export type ChallengeFailureReason = keyof typeof ChallengeFailureReason;
registerEnumType(ChallengeFailureReason, {
  name: 'ChallengeFailureReason',
  description:
    'Why a challenge failed. SUPERSEDED: a spot challenge ended it, or the end of the session it was issued in (the node lost, its worker joined again, its credential revoked); FREIVALDS_FAILED only in protocol version 1 records.',
});

export const CancelReason = enumOf(orderCancelledSchema.shape.reason.options);
export type CancelReason = keyof typeof CancelReason;
registerEnumType(CancelReason, {
  name: 'CancelReason',
  description:
    'Why GPUs of an order were cancelled: by its owner (CANCELLED), the rest of an IOC (IOC_REMAINDER), a FOK that could not fill (FOK_UNFILLABLE), self-trade prevention: the rest of an order that reached an order of its own account it could trade with (SELF_TRADE), its market closed (MARKET_CLOSED), its bid was refused funds (FUNDS_REJECTED), its node was suspended (NODE_SUSPENDED), the certification of its node lapsed: expired, or recorded below the market minimum (CERTIFICATION_LAPSED), or its account had the most bids resting when its funds were confirmed (TOO_MANY_OPEN_ORDERS).',
});

/**
 * The read model spells ledger kinds in lowercase, one with a hyphen (sla-credit), which a GraphQL
 * enum value cannot have: the schema names them in capitals (SLA_CREDIT), and each name stands for
 * the read model's spelling, so resolvers hand over what Redis holds.
 */
export const LedgerEntryKind = Object.fromEntries(
  LEDGER_ENTRY_KINDS.map((k) => [k.toUpperCase().replace('-', '_'), k]),
) as {
  readonly [
    K in (typeof LEDGER_ENTRY_KINDS)[number] as Uppercase<K> extends `${infer A}-${infer B}`
      ? `${A}_${B}`
      : Uppercase<K>
  ]: K;
};
export type LedgerEntryKind = (typeof LEDGER_ENTRY_KINDS)[number];
registerEnumType(LedgerEntryKind, {
  name: 'LedgerEntryKind',
  description:
    "What moved the money: DEPOSIT and WITHDRAWAL (an admin's wire), HOLD and RELEASE (escrow for an open bid set aside and given back), LEASE (a trade moved a hold into lease escrow), CHARGE (a running lease charged the buyer), EARNINGS (credited to the provider), FEE (credited to the platform), SLA_CREDIT (given back to the buyer for time not delivered).",
});
