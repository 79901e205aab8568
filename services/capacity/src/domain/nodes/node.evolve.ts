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
          // A certification still in flight at a spot check's issue was ended by it, unrecorded
          // (rules/unseen-supersede.ts): a failure recorded in the same decision cleared it before.
          ...(event.data.purpose === 'spot' && state.challenge?.purpose === 'certification'
            ? { supersedes: state.challenge.challenge.id }
            : {}),
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
      // The failure of the certification a spot check in flight superseded, recorded late: the
      // check stays in flight.
      if (state.challenge && state.challenge.challenge.id !== event.data.challengeId) {
        const { supersedes: _recorded, ...flight } = state.challenge;
        return { ...state, challenge: flight };
      }
      return { ...state, challenge: null };
    case 'capacity.SpotChallengePassed':
      return { ...state, challenge: null };
    case 'capacity.NodeLost':
    case 'capacity.NodeLeft':
      return { ...state, sessionId: null };
    case 'capacity.SlaBreached':
      return { ...state, suspended: { reason: event.data.reason, at: event.data.at } };
  }
}
