import type { Challenge, Commitment, Opening, OpenRequest } from '@gpux/certification';

/**
 * The protocol messages of libs/certification as the capacity contracts carry them: JSON objects
 * (`Record<string, unknown>`; the schema leaves their shape to the protocol). Read back as the
 * protocol's types here, in one place:
 * - from a command, a node's Commitment or Opening is untrusted: checkCommitment and verifyOpening
 *   check its shape before they read it, and fail it as MALFORMED otherwise;
 * - from an event, a Challenge, Commitment or OpenRequest is what this decider wrote (the
 *   commitment once checkCommitment passed it).
 */
type ProtocolMessage = Challenge | Commitment | OpenRequest | Opening;

const read = <T extends ProtocolMessage>(message: Record<string, unknown>): T => message as T;

export const readChallenge = (message: Record<string, unknown>) => read<Challenge>(message);
export const readCommitment = (message: Record<string, unknown>) => read<Commitment>(message);
export const readOpenRequest = (message: Record<string, unknown>) => read<OpenRequest>(message);
export const readOpening = (message: Record<string, unknown>) => read<Opening>(message);

/**
 * What an event keeps of a commitment that checkCommitment passed: its fields and nothing else. A
 * worker may send any other keys (the command's schema bounds only its nesting); copied into the
 * event beside the rows to open, a commitment padded to just under a record made an event too large
 * to write, and the command was dead-lettered.
 */
export const keptCommitment = ({ challengeId, seed, root, computeMs, totalMs }: Commitment): Commitment => ({
  challengeId,
  seed,
  root,
  computeMs,
  totalMs,
});
