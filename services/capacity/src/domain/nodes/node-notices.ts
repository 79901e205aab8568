import { CapacityEvents } from '@gpux/contracts';

/**
 * Which events notify a node's subscribers (`nodeStatusChanged` re-reads the node on each notice
 * and sends it where it differs from what it sent last): capacity's own, but not a challenge's
 * issue. Nothing of the node's view shows a challenge, so its notice only told the subscriber that
 * something happened, and the view it re-read differed from the last one sent in its heartbeat
 * alone (heartbeats notify no one). For a spot check that told its provider that one was coming
 * before its worker fetched it, whose clock starts at that fetch (rules/delivery.ts): it could free
 * its GPU (a lease's work, another node's check) first and heartbeat after, the probe that
 * requestCertification's refusal closed by handing the check out. Its delivery, its commitment and
 * its verdict notify as before: the worker has it by then.
 */
export function notifiesNode(type: string): boolean {
  return type.startsWith('capacity.') && type !== CapacityEvents.challengeIssued.type;
}
