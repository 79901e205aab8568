import type { RegisterNode } from '@gpux/contracts';
import type { ChallengeInFlight, NodeEvent } from '../node';

/**
 * The unseen-supersede rule: a spot check ends a certification in flight at its issue (nothing
 * sells unchecked while a worker certifies), but the certification's failure is recorded only when
 * the check is fetched (delivered: its clock starts), or when it ends unfetched. Recorded at the
 * issue, the failure ("ended by spot challenge …", in the node's certifications and its
 * subscription) told a provider that kept a certification in flight that a check was coming, up to
 * a heartbeat interval before its worker fetched it: time to free its GPU. Until then the
 * certification's steps are refused NOT_FOUND as any challenge no longer in flight, and the gateway
 * hands the check out when they are (as a heartbeat does).
 *
 * The events to record for `flight` (the spot check in flight) before it is fetched or ends: the
 * failure of the certification it superseded, if it did and that is not recorded yet; none else.
 */
export function unseenSupersede(
  node: RegisterNode,
  flight: ChallengeInFlight | null | undefined,
): NodeEvent[] {
  if (!flight?.supersedes) return [];
  return [
    {
      type: 'capacity.NodeCertificationFailed',
      data: {
        nodeId: node.nodeId,
        challengeId: flight.supersedes,
        purpose: 'certification',
        reason: 'SUPERSEDED',
        detail: `ended by spot challenge ${flight.challenge.id}`,
      },
    },
  ];
}
