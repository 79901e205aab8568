import type { Challenge, ChallengeSizing, Commitment, OpenRequest } from '@gpux/certification';
import {
  CapacityCommands,
  CapacityEvents,
  MessageOf,
  NodeCertified,
  RegisterNode,
  SlaBreachReason,
} from '@gpux/contracts';
import { DecideContext, OwnEventName, ownEventTypes, typesOf } from '@gpux/eventsourcing/domain';

export type NodeCommand = MessageOf<(typeof CapacityCommands)[keyof typeof CapacityCommands]>;
type NodeEventName = OwnEventName<typeof CapacityEvents>;
export type NodeEvent = MessageOf<(typeof CapacityEvents)[NodeEventName]>;
/** One command of the node, by its type: what each command's function takes. */
export type NodeCommandOf<T extends NodeCommand['type']> = Extract<NodeCommand, { type: T }>;

export const NODE_COMMANDS = typesOf(CapacityCommands);
export const NODE_EVENTS = ownEventTypes(CapacityEvents);

/**
 * The challenge a node is answering: issued, for a spot check delivered to its worker, then
 * committed (with the rows it must open).
 */
export interface ChallengeInFlight {
  purpose: 'certification' | 'spot';
  challenge: Challenge;
  /**
   * The session it was issued in (null: none), where a certification counts (rules/challenge-session.ts).
   * Absent in a state snapshotted before it was recorded.
   */
  sessionId?: string | null;
  /** A spot check handed to its worker: its clock restarted then (rules/delivery.ts). */
  delivered?: boolean;
  /**
   * A spot check's: the certification it ended at its issue, whose failure is recorded once the
   * check is fetched or ends (rules/unseen-supersede.ts); absent once recorded.
   */
  supersedes?: string;
  commitment?: Commitment;
  request?: OpenRequest;
}

export interface NodeState {
  node: RegisterNode | null;
  certification: NodeCertified | null;
  /** The digest of the node's valid credential; null once revoked. */
  credentialHash?: string | null;
  sessionId?: string | null;
  challenge?: ChallengeInFlight | null;
  /** Suspended after an SLA breach, until it recertifies. */
  suspended?: { reason: SlaBreachReason; at: string } | null;
}

/** The state of a registered node: what every command but RegisterNode decides on. */
export type RegisteredNode = NodeState & { node: RegisterNode };

export const isRegistered = (state: NodeState): state is RegisteredNode => state.node !== null;

export interface NodeDeciderOptions {
  /** How long a certificate from a passed challenge lasts. */
  certificateValidityMs: number;
  /**
   * Added to a spot challenge's deadline: the worker learns of it only at its next heartbeat, so
   * at least the heartbeat interval.
   */
  spotNoticeMs: number;
  /** How long a certification challenge keeps an honest node at its claim busy (default 10 s). */
  certificationTargetMs?: number;
  /** The same for a spot challenge (default 1 s). */
  spotTargetMs?: number;
  /** How a challenge without a size is sized from its claim (default DEFAULT_SIZING). */
  sizing?: ChallengeSizing;
  /** How the watchdog watches a session (recorded in each SessionStarted); none recorded without it. */
  heartbeat?: { intervalMs: number; timeoutMs: number };
}

/** What a node's commands know besides the command and the state: the clock, and the options. */
export interface NodeContext extends DecideContext {
  options: NodeDeciderOptions;
}

/** A node no event has touched. */
export function initialNodeState(): NodeState {
  return {
    node: null,
    certification: null,
    credentialHash: null,
    sessionId: null,
    challenge: null,
    suspended: null,
  };
}
