import {
  Challenge,
  checkCommitment,
  createChallenge,
  Commitment,
  Failure,
  Opening,
  OpenRequest,
  openRequest,
  verifyOpening,
} from '@gpux/certification';
import {
  CapacityCommands,
  CapacityEvents,
  MessageOf,
  NodeCertificationFailed,
  NodeCertified,
  RegisterNode,
  SlaBreachReason,
} from '@gpux/contracts';
import {
  accept,
  OwnEventName,
  ownEventTypes,
  typesOf,
  Decider,
  Decision,
  reject,
} from '@gpux/eventsourcing/domain';
import { perGpu, refuseClaim, refuseDeadline } from '../certification/claim-bounds';
import { seededStream } from '../certification/randomness';
import { grade } from '../certification/verdict';

export type NodeCommand = MessageOf<(typeof CapacityCommands)[keyof typeof CapacityCommands]>;
type NodeEventName = OwnEventName<typeof CapacityEvents>;
export type NodeEvent = MessageOf<(typeof CapacityEvents)[NodeEventName]>;

export const NODE_COMMANDS = typesOf(CapacityCommands);
export const NODE_EVENTS = ownEventTypes(CapacityEvents);

/** The challenge a node is answering: issued, then committed (with the rows it must open). */
export interface ChallengeInFlight {
  purpose: 'certification' | 'spot';
  challenge: Challenge;
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
}

/** The moment by which the challenge in flight must move on: its commitment, or its opening. */
const dueBy = (c: ChallengeInFlight) => c.request?.respondBy ?? c.challenge.deadline;

/**
 * A provider's node: registered with a credential (rotated, revoked), certified by a verifiable
 * matmul challenge (DESIGN.md §6) or by an administrator, kept certified by spot challenges while
 * it sells, and suspended (an SLA breach) when it fails one or is lost.
 */
export function createNodeDecider(options: NodeDeciderOptions): Decider<NodeCommand, NodeEvent, NodeState> {
  /** An SLA breach: the node stops selling (asks cancelled, leases ended) until it recertifies. */
  function breached(
    node: RegisterNode,
    reason: SlaBreachReason,
    detail: string,
    at: string,
  ): NodeEvent {
    const { nodeId, providerId, marketId } = node;
    return { type: 'capacity.SlaBreached', data: { nodeId, providerId, marketId, reason, detail, at } };
  }

  /** The events of a failed challenge: the failure, and for a spot check on a selling node, a breach. */
  function failed(
    state: NodeState,
    flight: ChallengeInFlight,
    failure: Pick<Failure, 'detail'> & { reason: NodeCertificationFailed['reason'] },
    now: Date,
  ): NodeEvent[] {
    const node = state.node!;
    const events: NodeEvent[] = [
      {
        type: 'capacity.NodeCertificationFailed',
        data: {
          nodeId: node.nodeId,
          challengeId: flight.challenge.id,
          purpose: flight.purpose,
          reason: failure.reason,
          detail: failure.detail.slice(0, 2000),
        },
      },
    ];
    if (flight.purpose === 'spot' && !state.suspended) {
      events.push(
        breached(
          node,
          'CHALLENGE_FAILED',
          `spot challenge ${flight.challenge.id}: ${failure.reason}`,
          now.toISOString(),
        ),
      );
    }
    return events;
  }

  function inFlight(state: NodeState, challengeId: string): ChallengeInFlight | Decision<NodeEvent> {
    const flight = state.challenge;
    if (!state.node) return reject('NOT_FOUND', `node does not exist`, 'nodeId');
    if (!flight || flight.challenge.id !== challengeId)
      return reject(
        'NOT_FOUND',
        `challenge ${challengeId} is not the one node ${state.node.nodeId} is answering`,
        'challengeId',
      );
    return flight;
  }
  const isDecision = (x: ChallengeInFlight | Decision<NodeEvent>): x is Decision<NodeEvent> => 'kind' in x;
  /** Certified and not suspended: it may have asks in the book and leases running. */
  const sellable = (state: NodeState) => !state.suspended && state.certification !== null;

  return {
    initialState: () => ({
      node: null,
      certification: null,
      credentialHash: null,
      sessionId: null,
      challenge: null,
      suspended: null,
    }),

    decide(command, state, { now }) {
      const t = now.getTime();
      if (command.type !== 'capacity.RegisterNode' && !state.node)
        return reject('NOT_FOUND', `node ${command.data.nodeId} does not exist`, 'nodeId');
      const node = state.node!;
      switch (command.type) {
        case 'capacity.RegisterNode':
          if (state.node)
            return reject('ALREADY_EXISTS', `node ${command.data.nodeId} already exists`, 'nodeId');
          return accept({ type: 'capacity.NodeRegistered', data: command.data });

        case 'capacity.MarkNodeCertified': {
          const { nodeId, providerId, marketId, gpus } = node;
          return accept({
            type: 'capacity.NodeCertified',
            data: {
              nodeId,
              providerId,
              marketId,
              gpus,
              tflopsPerGpu: { f32: command.data.tflopsPerGpu },
              // An administrator's word measures nothing: no efficiency, the lowest tier.
              efficiency: null,
              tier: 'bronze',
              expiresAt: new Date(t + command.data.validForMs).toISOString(),
              method: 'admin',
            },
          });
        }

        case 'capacity.RotateNodeCredential':
          if (command.data.providerId !== node.providerId)
            return reject('FORBIDDEN', `node ${node.nodeId} belongs to another provider`, 'nodeId');
          return accept({
            type: 'capacity.NodeCredentialRotated',
            data: {
              nodeId: node.nodeId,
              credentialHash: command.data.credentialHash,
              previousHash: state.credentialHash ?? node.credentialHash,
            },
          });

        case 'capacity.RevokeNodeCredential':
          if (command.data.providerId !== node.providerId)
            return reject('FORBIDDEN', `node ${node.nodeId} belongs to another provider`, 'nodeId');
          if (!state.credentialHash)
            return reject('NOT_FOUND', `node ${node.nodeId} has no valid credential`, 'nodeId');
          // A revoked node can prove nothing more: one that could be selling is suspended (its asks
          // cancelled, its running leases breached) until it rotates and recertifies.
          return accept(
            { type: 'capacity.NodeCredentialRevoked', data: { nodeId: node.nodeId, credentialHash: state.credentialHash } },
            ...(sellable(state)
              ? [breached(node, 'CREDENTIAL_REVOKED', 'the provider revoked the node credential', now.toISOString())]
              : []),
          );

        case 'capacity.StartSession':
          if (!state.credentialHash)
            return reject('FORBIDDEN', `the credential of node ${node.nodeId} is revoked`, 'nodeId');
          return accept({ type: 'capacity.SessionStarted', data: command.data });

        case 'capacity.IssueChallenge': {
          if (!state.credentialHash)
            return reject('FORBIDDEN', `the credential of node ${node.nodeId} is revoked`, 'nodeId');
          const { purpose, claimedTflops, n, seed, requiredTflopsPerGpu } = command.data;
          // Only a joined node is watched (heartbeats, spot checks): nothing certifies unwatched.
          if (purpose === 'certification' && !state.sessionId)
            return reject(
              'FORBIDDEN',
              `node ${node.nodeId} has no worker session: join (joinSession) and heartbeat, then ask for certification`,
              'nodeId',
            );
          const precision = 'f32';
          const claim =
            purpose === 'certification'
              ? refuseClaim(claimedTflops, {
                  gpuModel: node.gpuModel,
                  gpus: node.gpus,
                  precision,
                  ...(requiredTflopsPerGpu !== undefined ? { requiredTflopsPerGpu } : {}),
                })
              : null;
          if (claim) return reject('BAD_USER_INPUT', claim.message, claim.field);
          const challenge = createChallenge({
            n,
            precision,
            claimedTflops,
            now: t,
            rng: seededStream(seed),
            targetMs: purpose === 'spot' ? (options.spotTargetMs ?? 1_000) : (options.certificationTargetMs ?? 10_000),
            ...(purpose === 'spot' ? { slackMs: 1_000 + options.spotNoticeMs } : {}),
          });
          const parked = refuseDeadline(claimedTflops, challenge.issuedAt, challenge.deadline);
          if (parked) return reject('BAD_USER_INPUT', parked.message, parked.field);
          const events: NodeEvent[] = [];
          const current = state.challenge;
          if (current) {
            const due = t > dueBy(current);
            // A spot check never waits for a certification in flight: that one ends unanswered.
            const superseded = !due && purpose === 'spot' && current.purpose === 'certification';
            if (!due && !superseded)
              return reject(
                'ALREADY_EXISTS',
                `node ${node.nodeId} is answering challenge ${current.challenge.id} until ${new Date(dueBy(current)).toISOString()}`,
                'nodeId',
              );
            events.push(
              ...failed(
                state,
                current,
                superseded
                  ? { reason: 'SUPERSEDED', detail: `ended by spot challenge ${challenge.id}` }
                  : { reason: 'DEADLINE_MISSED', detail: 'abandoned: no answer before its deadline' },
                now,
              ),
            );
          }
          events.push({
            type: 'capacity.ChallengeIssued',
            data: {
              nodeId: node.nodeId,
              purpose,
              challenge: challenge as unknown as Record<string, unknown>,
            },
          });
          return accept(...events);
        }

        case 'capacity.CommitChallenge': {
          const flight = inFlight(state, command.data.challengeId);
          if (isDecision(flight)) return flight;
          if (flight.commitment)
            return reject(
              'ALREADY_EXISTS',
              `challenge ${flight.challenge.id} is already committed`,
              'challengeId',
            );
          const commitment = command.data.commitment as unknown as Commitment;
          const failure = checkCommitment(flight.challenge, commitment, t);
          if (failure) return accept(...failed(state, flight, failure, now));
          const request = openRequest(flight.challenge, commitment, {
            rng: seededStream(command.data.openSeed),
            now: t,
          });
          return accept({
            type: 'capacity.ChallengeCommitted',
            data: {
              nodeId: node.nodeId,
              challengeId: flight.challenge.id,
              commitment: command.data.commitment,
              request: request as unknown as Record<string, unknown>,
            },
          });
        }

        case 'capacity.AnswerChallenge': {
          const flight = inFlight(state, command.data.challengeId);
          if (isDecision(flight)) return flight;
          if (!flight.commitment || !flight.request)
            return reject(
              'BAD_USER_INPUT',
              `challenge ${flight.challenge.id} has no commitment yet: commit first`,
              'challengeId',
            );
          const verdict = verifyOpening(
            flight.challenge,
            flight.commitment,
            flight.request,
            command.data.opening as unknown as Opening,
            t,
          );
          if (!verdict.ok) return accept(...failed(state, flight, verdict, now));
          if (flight.purpose === 'spot')
            return accept({
              type: 'capacity.SpotChallengePassed',
              data: {
                nodeId: node.nodeId,
                challengeId: flight.challenge.id,
                measuredTflops: verdict.measuredTflops,
              },
            });
          const precision = flight.challenge.precision;
          // The node proved its figure with all its declared GPUs: a node that declares 8 and has 1
          // is certified at an eighth of what that one delivers.
          const measured = perGpu(verdict.measuredTflops, node.gpus);
          const { efficiency, tier } = grade(node.gpuModel, precision, measured);
          const previous =
            state.certification?.method === 'challenge' ? state.certification.tflopsPerGpu : undefined;
          return accept({
            type: 'capacity.NodeCertified',
            data: {
              nodeId: node.nodeId,
              providerId: node.providerId,
              marketId: node.marketId,
              gpus: node.gpus,
              tflopsPerGpu:
                precision === 'f32'
                  ? {
                      f32: measured,
                      ...(previous?.f16 !== undefined ? { f16: previous.f16 } : {}),
                    }
                  : { f32: previous?.f32 ?? 0, f16: measured },
              measuredTflops: verdict.measuredTflops,
              efficiency,
              tier,
              expiresAt: new Date(t + options.certificateValidityMs).toISOString(),
              method: 'challenge',
            },
          });
        }

        case 'capacity.ExpireChallenge': {
          const flight = inFlight(state, command.data.challengeId);
          if (isDecision(flight)) return flight;
          if (t <= dueBy(flight))
            return reject(
              'BAD_USER_INPUT',
              `challenge ${flight.challenge.id} is not due until ${new Date(dueBy(flight)).toISOString()}`,
              'challengeId',
            );
          return accept(
            ...failed(
              state,
              flight,
              {
                reason: 'DEADLINE_MISSED',
                detail: flight.commitment
                  ? 'no opening before its deadline'
                  : 'no commitment before its deadline',
              },
              now,
            ),
          );
        }

        case 'capacity.DeclareNodeLost': {
          if (state.sessionId !== command.data.sessionId)
            return reject(
              'NOT_FOUND',
              `session ${command.data.sessionId} of node ${node.nodeId} is not the current one`,
              'sessionId',
            );
          const at = command.data.lastHeartbeatAt ?? now.toISOString();
          const events: NodeEvent[] = [{ type: 'capacity.NodeLost', data: command.data }];
          // Only a node that could be selling breaks a promise by going silent.
          if (sellable(state)) {
            events.push(
              breached(
                node,
                'NODE_LOST',
                `no heartbeat since ${command.data.lastHeartbeatAt ?? 'the session started'}`,
                at,
              ),
            );
          }
          return accept(...events);
        }
      }
    },

    evolve(state, event) {
      switch (event.type) {
        case 'capacity.NodeRegistered':
          return { ...state, node: event.data, credentialHash: event.data.credentialHash };
        case 'capacity.NodeCertified':
          return {
            ...state,
            certification: event.data,
            suspended: null,
            challenge: event.data.method === 'challenge' ? null : state.challenge,
          };
        case 'capacity.NodeCredentialRotated':
          return { ...state, credentialHash: event.data.credentialHash };
        case 'capacity.NodeCredentialRevoked':
          return { ...state, credentialHash: null, sessionId: null };
        case 'capacity.SessionStarted':
          return { ...state, sessionId: event.data.sessionId };
        case 'capacity.ChallengeIssued':
          return {
            ...state,
            challenge: {
              purpose: event.data.purpose,
              challenge: event.data.challenge as unknown as Challenge,
            },
          };
        case 'capacity.ChallengeCommitted':
          return state.challenge
            ? {
                ...state,
                challenge: {
                  ...state.challenge,
                  commitment: event.data.commitment as unknown as Commitment,
                  request: event.data.request as unknown as OpenRequest,
                },
              }
            : state;
        case 'capacity.NodeCertificationFailed':
        case 'capacity.SpotChallengePassed':
          return { ...state, challenge: null };
        case 'capacity.NodeLost':
          return { ...state, sessionId: null };
        case 'capacity.SlaBreached':
          return { ...state, suspended: { reason: event.data.reason, at: event.data.at } };
      }
    },
  };
}

/** Certificates from challenges last 30 days unless configured otherwise. */
export const nodeDecider = createNodeDecider({
  certificateValidityMs: 30 * 24 * 3_600_000,
  spotNoticeMs: 5_000,
});
