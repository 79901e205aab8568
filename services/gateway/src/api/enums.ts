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
  valuesMap: {
    OPEN: { description: 'Takes orders, and registrations of nodes to sell in it.' },
    CLOSED: {
      description:
        'Closed by an admin (closeMarket): every order it held was cancelled (MARKET_CLOSED), and it takes no order or node again; it never reopens. Leases running at the close run on to their ends.',
    },
  },
});

export const NodeStatus = enumOf(NODE_STATUSES);
export type NodeStatus = keyof typeof NodeStatus;
registerEnumType(NodeStatus, {
  name: 'NodeStatus',
  description:
    'UNCERTIFIED until a challenge (or an admin) certifies it; CERTIFIED, it may sell; EXPIRED, its certificate ran out; SUSPENDED after an SLA breach, until it recertifies.',
  valuesMap: {
    UNCERTIFIED: {
      description:
        'Registered, never certified: it sells nothing until a challenge (or an admin) certifies it.',
    },
    CERTIFIED: {
      description:
        "Its certificate holds (certifiedUntil is ahead): it may sell, where its certified f32 figure meets its market's minimum.",
    },
    EXPIRED: {
      description:
        'Its certificate ran out (certifiedUntil passed): its asks are refused until it certifies again.',
    },
    SUSPENDED: {
      description:
        'Suspended after an SLA breach (suspendedReason): its asks were cancelled and its running leases credited; it sells nothing until an f32 certification lifts it.',
    },
  },
});

export const SuspendedReason = enumOf(slaBreachReasonSchema.options);
export type SuspendedReason = keyof typeof SuspendedReason;
registerEnumType(SuspendedReason, {
  name: 'SuspendedReason',
  description:
    'Why a node is suspended: it went silent (NODE_LOST), failed a spot challenge (CHALLENGE_FAILED), its provider or the operator revoked its credential (CREDENTIAL_REVOKED: until it rotates and recertifies), or its worker left (NODE_LEFT: leaveSession, which `gpu-worker join` sends when it is stopped).',
  valuesMap: {
    NODE_LOST: { description: "It went silent: no heartbeat within its session's heartbeat timeout." },
    CHALLENGE_FAILED: {
      description: 'It failed a spot challenge, or left one unanswered past its deadline.',
    },
    CREDENTIAL_REVOKED: {
      description:
        'Its credential was revoked (revokeNodeCredential), by its provider or the operator: suspended until its provider rotates it and the node recertifies.',
    },
    NODE_LEFT: {
      description:
        'Its worker stopped and left its session (leaveSession, which `gpu-worker join` sends when it is stopped).',
    },
  },
});

export const CertificationMethod = enumOf(nodeCertifiedSchema.shape.method.options);
export type CertificationMethod = keyof typeof CertificationMethod;
registerEnumType(CertificationMethod, {
  name: 'CertificationMethod',
  description:
    'How a node was certified: challenge (a verified matmul challenge) or admin (tests and demos).',
  valuesMap: {
    challenge: {
      description:
        'Measured: the node passed a certification challenge (requestCertification), verified by capacity.',
    },
    admin: {
      description: 'Marked certified by an admin (markNodeCertified; tests and demos): nothing was measured.',
    },
  },
});

/** What a record of GpuNode.certificationRecords says happened (CertificationRecord.kind). */
export const CertificationKind = enumOf(['CERTIFIED', 'SPOT_PASSED', 'FAILED'] as const);
export type CertificationKind = keyof typeof CertificationKind;
registerEnumType(CertificationKind, {
  name: 'CertificationKind',
  description:
    "What a certification record says happened: CERTIFIED, the node was granted a certificate (by a verified certification challenge, or by an admin: CertificationRecord.method); SPOT_PASSED, it passed a spot challenge (its certificate stands as it was); FAILED, a challenge, a certification's or a spot check's (CertificationRecord.purpose), failed (CertificationRecord.reason).",
  valuesMap: {
    CERTIFIED: {
      description:
        'A certificate was granted: by a verified certification challenge, or by an admin (method says which).',
    },
    SPOT_PASSED: { description: 'The node passed a spot challenge; its certificate stands as it was.' },
    FAILED: {
      description:
        "A challenge failed, a certification's or a spot check's (purpose); reason and detail say why.",
    },
  },
});

export const NodeTier = enumOf(nodeCertifiedSchema.shape.tier.options);
export type NodeTier = keyof typeof NodeTier;
registerEnumType(NodeTier, {
  name: 'NodeTier',
  description: `A certified node's tier, by its efficiency (GpuNode.efficiency: measured / the model's peak): gold from ${TIER_FROM.gold}, silver from ${TIER_FROM.silver}, bronze below ${TIER_FROM.silver} or without an efficiency (an administrator's certificate, a model whose peak is not known).`,
  valuesMap: {
    gold: { description: `Efficiency ${TIER_FROM.gold} or more.` },
    silver: { description: `Efficiency from ${TIER_FROM.silver}, below ${TIER_FROM.gold}.` },
    bronze: {
      description: `Efficiency below ${TIER_FROM.silver}, or none: an administrator's certificate, or a model whose peak is not known.`,
    },
  },
});

export const Precision = enumOf(precisionSchema.options);
export type Precision = keyof typeof Precision;
registerEnumType(Precision, {
  name: 'Precision',
  description: 'A floating-point precision of a matmul: f32 or f16.',
  valuesMap: {
    f32: { description: 'Single precision: what markets require and spot checks measure (tflopsPerGpu).' },
    f16: {
      description:
        'Half precision: A and B in f16, products summed in f32; certified apart (tflopsF16PerGpu), it sells nothing on its own.',
    },
  },
});

export const LeaseStatus = enumOf(LEASE_STATUSES);
export type LeaseStatus = keyof typeof LeaseStatus;
registerEnumType(LeaseStatus, {
  name: 'LeaseStatus',
  description:
    'ACTIVE while it runs, ENDED fully paid, CREDITED ended early with the rest refunded to the buyer.',
  valuesMap: {
    ACTIVE: { description: 'Running: the buyer is charged as it runs, in arrears (chargedUntil).' },
    ENDED: { description: 'Ran to its end, and was charged in full.' },
    CREDITED: {
      description:
        'Ended early: its node stopped delivering (endedReason). Charged up to then; the rest of its escrow, the fee included, went back to the buyer (refunded).',
    },
  },
});

export const LeaseEndReason = enumOf(endLeaseEarlySchema.shape.reason.options);
export type LeaseEndReason = keyof typeof LeaseEndReason;
registerEnumType(LeaseEndReason, {
  name: 'LeaseEndReason',
  description:
    "Why a lease ended early (CREDITED): its node stopped delivering. The node went silent (NODE_LOST), failed a spot challenge (CHALLENGE_FAILED), its provider or the operator revoked its credential (CREDENTIAL_REVOKED) or its worker left (NODE_LEFT), as the node's SuspendedReason said then; NODE_SUSPENDED where the exchange ended the lease on the node's suspension after its breach's own reason was no longer kept (the node certified again since).",
  valuesMap: {
    NODE_LOST: { description: "Its node went silent: no heartbeat within its session's heartbeat timeout." },
    CHALLENGE_FAILED: {
      description: 'Its node failed a spot challenge, or left one unanswered past its deadline.',
    },
    CREDENTIAL_REVOKED: {
      description:
        "Its node's credential was revoked (revokeNodeCredential), by its provider or the operator.",
    },
    NODE_LEFT: { description: "Its node's worker stopped and left its session (leaveSession)." },
    NODE_SUSPENDED: {
      description:
        "Its node was suspended, and the breach's own reason was no longer kept when the lease was ended (the node was certified again since).",
    },
  },
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
  valuesMap: {
    CERTIFICATION: {
      description:
        "Asked for by the node's worker (requestCertification) at the throughput it claims: passed, it grants a certificate.",
    },
    SPOT: {
      description:
        'A spot check: issued unannounced to a certified node while it is leased, and handed to its worker at a heartbeat, at 80 % of its certified f32 figure. Failed, a node that could sell is suspended (CHALLENGE_FAILED).',
    },
  },
});

export const ChallengeFailureReason = enumOf(nodeCertificationFailedSchema.shape.reason.options);
export type ChallengeFailureReason = keyof typeof ChallengeFailureReason;
registerEnumType(ChallengeFailureReason, {
  name: 'ChallengeFailureReason',
  description:
    'Why a challenge failed. SUPERSEDED: ended without a verdict, by a spot challenge, by the end of the session it was issued in (the node lost, its worker joined again, its credential revoked), or because the marketplace could not take answers in its time; FREIVALDS_FAILED only in protocol version 1 records.',
  valuesMap: {
    PROOF_INVALID: {
      description:
        "An opened leaf's Merkle proof does not lead to the committed root: the worker opened rows other than the ones it committed to.",
    },
    ROW_MISMATCH: {
      description:
        "Checked values of an opened leaf differ from A·B, recomputed from the seed, by more than the precision's rounding bound: the worker's product was wrong (work skipped or miscomputed).",
    },
    FREIVALDS_FAILED: {
      description:
        "The worker's product failed a Freivalds check: protocol version 1 only, found in records made then.",
    },
    DEADLINE_MISSED: {
      description:
        "The worker's commitment or opening came after its deadline, or none came by then (the watchdog ended the challenge, or the next one abandoned it).",
    },
    MALFORMED: {
      description:
        'What the worker sent is not what the protocol asks for: not an object, a field missing or of the wrong form (a root not 64 hex digits, data not base64 f32 values, a proof not a list of hashes), or leaves other than those asked for.',
    },
    SEED_MISMATCH: {
      description:
        "The worker answered another challenge: its commitment does not echo this challenge's id and seed, or its opening this challenge's id.",
    },
    SUPERSEDED: {
      description:
        'Ended without judging an answer: a spot check ended the certification in flight, the session it was issued in ended (the node lost, its worker left or joined again, its credential revoked), or the marketplace could not take answers in its time (excused). It breaches nothing; ask for certification again.',
    },
  },
});

export const CancelReason = enumOf(orderCancelledSchema.shape.reason.options);
export type CancelReason = keyof typeof CancelReason;
registerEnumType(CancelReason, {
  name: 'CancelReason',
  description:
    'Why GPUs of an order were cancelled: by its owner (CANCELLED), the rest of an IOC (IOC_REMAINDER), a FOK that could not fill (FOK_UNFILLABLE), self-trade prevention: the rest of an order that reached an order of its own account it could trade with (SELF_TRADE), its market closed (MARKET_CLOSED), its bid was refused funds (FUNDS_REJECTED), its node was suspended (NODE_SUSPENDED), the certification of its node lapsed: expired, or recorded below the market minimum (CERTIFICATION_LAPSED), or its account had the most bids resting when its funds were confirmed (TOO_MANY_OPEN_ORDERS).',
  valuesMap: {
    CANCELLED: { description: 'Its owner cancelled it (cancelOrder).' },
    IOC_REMAINDER: { description: 'The rest of an IOC order: what it could not trade at once.' },
    FOK_UNFILLABLE: {
      description:
        'A FOK order that could not trade all its GPUs at once (or reached an order of its own account first): it traded nothing.',
    },
    SELF_TRADE: {
      description:
        'Self-trade prevention: the order reached a resting order of its own account it could trade with, and what it had not traded by then was cancelled (the newer order; the resting one stays).',
    },
    MARKET_CLOSED: {
      description: 'Its market closed (closeMarket) while it rested, or while the bid waited for funds.',
    },
    FUNDS_REJECTED: {
      description:
        'A bid that waited for its escrow hold (PENDING_FUNDS), which settlement refused: it never entered the book.',
    },
    NODE_SUSPENDED: { description: 'An ask whose node was suspended (its SuspendedReason says why).' },
    CERTIFICATION_LAPSED: {
      description:
        "An ask whose node may no longer sell in the market (its certificate expired, or capacity recorded it below the market's minimum): cancelled when a bid reached it, or when that record came.",
    },
    TOO_MANY_OPEN_ORDERS: {
      description:
        'A bid that waited for funds (PENDING_FUNDS) whose account, when they were confirmed, had as many bids resting in the market as one account may: it never entered the book, and its hold was released.',
    },
  },
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
  valuesMap: {
    DEPOSIT: { description: 'Money paid in by an admin (deposit): available up.' },
    WITHDRAWAL: { description: 'Money paid out by an admin (withdraw): available down.' },
    HOLD: { description: 'Escrow set aside for a bid: available down, held up.' },
    RELEASE: {
      description: "A bid's hold, or the part of it no longer needed, given back: held down, available up.",
    },
    LEASE: {
      description:
        "A trade moved a bid's hold into escrow for its lease (value and fee): held down, escrow up.",
    },
    CHARGE: {
      description:
        'A running lease charged its buyer for time delivered (value and fee): escrow down; credited to the provider and the platform as EARNINGS and FEE.',
    },
    EARNINGS: {
      description:
        'What a lease charge earned its provider (its value, the fee not included), credited to it: available up.',
    },
    FEE: {
      description: "The platform's fee of a lease charge, credited to the platform's account: available up.",
    },
    SLA_CREDIT: {
      description:
        "Given back to the buyer from a lease's escrow when its node stopped delivering (the lease CREDITED): escrow down, available up.",
    },
  },
});
