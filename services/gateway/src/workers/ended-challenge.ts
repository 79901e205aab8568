/**
 * A commitment or an opening for a challenge the verifier already failed. The watchdog fails a
 * challenge left unanswered past its deadline (DEADLINE_MISSED), and capacity then has no challenge
 * in flight, so the late step was refused NOT_FOUND ("challenge … is not the one node … is
 * answering"): a worker took that for a lost session and joined again without a word of the
 * failure, and its provider never learnt that the spot check had failed (the node suspended, its asks
 * cancelled, its leases credited). A commitment that reaches capacity late but before the watchdog
 * fails CHALLENGE_FAILED with its reason; this makes the one that comes after say the same.
 */

/** A challenge's failure as the node's certification history records it. */
export interface EndedChallenge {
  reason: string;
  detail: string;
  /** When it was recorded (ISO), where the record says. */
  at?: string;
}

/**
 * How many of a node's latest records are searched: a challenge failed, then a certification and a
 * few spot checks since, at most, in the time a worker's late step takes.
 */
export const ENDED_CHALLENGE_SEARCH = 20;

/**
 * The failure of challenge `challengeId` among `records` (capacity's records, oldest first), or null:
 * where it is not there (never this node's, or its record not folded yet), where it passed, or where
 * it was SUPERSEDED (a certification voided by its session's end or by a spot check, whose NOT_FOUND
 * tells the worker to look at its session: replaced by another worker, it stops).
 */
export function endedChallenge(
  records: readonly Record<string, unknown>[],
  challengeId: string,
): EndedChallenge | null {
  const found = records.find((r) => r['challengeId'] === challengeId && r['ok'] === false);
  if (!found || typeof found['reason'] !== 'string' || found['reason'] === 'SUPERSEDED') return null;
  const detail = typeof found['detail'] === 'string' ? found['detail'] : '';
  return {
    reason: found['reason'],
    detail,
    ...(typeof found['at'] === 'string' ? { at: found['at'] } : {}),
  };
}

/** The message of the CHALLENGE_FAILED that answers a late step. */
export function endedChallengeMessage(challengeId: string, ended: EndedChallenge): string {
  return `challenge ${challengeId} failed already${ended.at ? ` (recorded ${ended.at})` : ''}: ${ended.reason}${ended.detail ? `: ${ended.detail}` : ''}`;
}
