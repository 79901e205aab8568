import type { ChallengeInFlight } from '../node';

/**
 * The deadline rule: the moment (epoch ms) by which the challenge in flight must move on: its
 * commitment by the challenge's deadline, then its opening by the open request's. Past it, the
 * challenge may be expired, or replaced by a new one.
 */
export const dueBy = (c: ChallengeInFlight): number => c.request?.respondBy ?? c.challenge.deadline;
