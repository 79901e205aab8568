import type { NodeEvent, NodeState } from './node';
import { readChallenge, readCommitment, readOpenRequest } from './protocol';

/** The node after an event. */
export function evolveNode(state: NodeState, event: NodeEvent): NodeState {
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
          challenge: readChallenge(event.data.challenge),
          sessionId: state.sessionId ?? null,
        },
      };
    case 'capacity.ChallengeDelivered':
      return state.challenge
        ? {
            ...state,
            challenge: {
              ...state.challenge,
              challenge: readChallenge(event.data.challenge),
              delivered: true,
            },
          }
        : state;
    case 'capacity.ChallengeCommitted':
      return state.challenge
        ? {
            ...state,
            challenge: {
              ...state.challenge,
              commitment: readCommitment(event.data.commitment),
              request: readOpenRequest(event.data.request),
            },
          }
        : state;
    case 'capacity.NodeCertificationFailed':
    case 'capacity.SpotChallengePassed':
      return { ...state, challenge: null };
    case 'capacity.NodeLost':
    case 'capacity.NodeLeft':
      return { ...state, sessionId: null };
    case 'capacity.SlaBreached':
      return { ...state, suspended: { reason: event.data.reason, at: event.data.at } };
  }
}
