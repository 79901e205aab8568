import { Decider, Decision, reject } from '@gpux/eventsourcing/domain';
import { answerChallenge } from './decide/answer-challenge';
import { commitChallenge } from './decide/commit-challenge';
import { declareNodeLost } from './decide/declare-node-lost';
import { deliverChallenge } from './decide/deliver-challenge';
import { expireChallenge } from './decide/expire-challenge';
import { issueChallenge } from './decide/issue-challenge';
import { leaveSession } from './decide/leave-session';
import { markNodeCertified } from './decide/mark-node-certified';
import { registerNode } from './decide/register-node';
import { revokeNodeCredential } from './decide/revoke-node-credential';
import { rotateNodeCredential } from './decide/rotate-node-credential';
import { startSession } from './decide/start-session';
import {
  initialNodeState,
  isRegistered,
  NodeCommand,
  NodeContext,
  NodeDeciderOptions,
  NodeEvent,
  NodeState,
} from './node';
import { evolveNode } from './node.evolve';

export { NODE_COMMANDS, NODE_EVENTS } from './node';
export type { ChallengeInFlight, NodeCommand, NodeDeciderOptions, NodeEvent, NodeState } from './node';

/**
 * One function per command (decide/), each with the rules it applies (rules/). Every command but
 * RegisterNode is about a registered node.
 */
function decideNode(command: NodeCommand, state: NodeState, context: NodeContext): Decision<NodeEvent> {
  if (command.type === 'capacity.RegisterNode') return registerNode(command, state);
  if (!isRegistered(state))
    return reject('NOT_FOUND', `node ${command.data.nodeId} does not exist`, 'nodeId');
  switch (command.type) {
    case 'capacity.MarkNodeCertified':
      return markNodeCertified(command, state, context);
    case 'capacity.RotateNodeCredential':
      return rotateNodeCredential(command, state);
    case 'capacity.RevokeNodeCredential':
      return revokeNodeCredential(command, state, context);
    case 'capacity.StartSession':
      return startSession(command, state, context);
    case 'capacity.IssueChallenge':
      return issueChallenge(command, state, context);
    case 'capacity.DeliverChallenge':
      return deliverChallenge(command, state, context);
    case 'capacity.CommitChallenge':
      return commitChallenge(command, state, context);
    case 'capacity.AnswerChallenge':
      return answerChallenge(command, state, context);
    case 'capacity.ExpireChallenge':
      return expireChallenge(command, state, context);
    case 'capacity.DeclareNodeLost':
      return declareNodeLost(command, state, context);
    case 'capacity.LeaveSession':
      return leaveSession(command, state, context);
    default: {
      const unknown: never = command;
      throw new Error(`the node decides no ${(unknown as NodeCommand).type}`);
    }
  }
}

/**
 * A provider's node: registered with a credential (rotated, revoked), certified by a verifiable
 * matmul challenge (docs/certification.md) or by an administrator, kept certified by spot challenges while
 * it sells, and suspended (an SLA breach) when it fails one or is lost.
 */
export function createNodeDecider(options: NodeDeciderOptions): Decider<NodeCommand, NodeEvent, NodeState> {
  return {
    initialState: initialNodeState,
    decide: (command, state, { now }) => decideNode(command, state, { now, options }),
    evolve: evolveNode,
  };
}

/** Certificates from challenges last 30 days unless configured otherwise. */
export const nodeDecider = createNodeDecider({
  certificateValidityMs: 30 * 24 * 3_600_000,
  spotNoticeMs: 5_000,
});
