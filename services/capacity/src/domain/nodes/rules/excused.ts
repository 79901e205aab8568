import type { ChallengeInFlight } from '../node';
import { dueBy } from './due-by';

/**
 * The excuse rule: a challenge whose time to answer (from its issue to its due time) overlaps a
 * time when the marketplace could not take the node's answers (`from`..`until`, epoch ms: the
 * gateway answered workers UNAVAILABLE while capacity's model was refolded) is not the node's
 * failure. It ends unanswered without a verdict on the node; the watchdog checks again later.
 */
export function excused(flight: ChallengeInFlight, unanswerable?: { from: number; until: number }): boolean {
  if (!unanswerable || !(unanswerable.from <= unanswerable.until)) return false;
  return unanswerable.from <= dueBy(flight) && unanswerable.until >= flight.challenge.issuedAt;
}
