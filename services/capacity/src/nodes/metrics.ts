import type { Envelope } from '@gpux/contracts';
import { ServiceMetrics } from '@gpux/platform';

/**
 * Challenge verdicts by purpose (certification, spot), verdict (passed, failed) and the failure's
 * reason (the schema's enum), counted from the events capacity's partition workers commit: the
 * decider stays unaware of metrics. A certificate marked by an administrator is no verdict.
 */
export function challengeVerdicts(metrics: ServiceMetrics): (events: readonly Envelope[]) => void {
  const verdicts = metrics.counter<'purpose' | 'verdict' | 'reason'>({
    name: 'gpux_challenge_verdicts_total',
    help: 'Certification and spot challenge verdicts, by purpose, verdict (passed, failed) and reason of a failure',
    labelNames: ['purpose', 'verdict', 'reason'],
  });
  return (events) => {
    for (const { type, data } of events) {
      if (type === 'capacity.NodeCertified') {
        if ((data as { method?: string }).method === 'challenge')
          verdicts.inc({ purpose: 'certification', verdict: 'passed', reason: '' });
      } else if (type === 'capacity.SpotChallengePassed') {
        verdicts.inc({ purpose: 'spot', verdict: 'passed', reason: '' });
      } else if (type === 'capacity.NodeCertificationFailed') {
        const { purpose, reason } = data as { purpose: string; reason: string };
        verdicts.inc({ purpose, verdict: 'failed', reason });
      }
    }
  };
}

/** How old the heartbeats the watchdog judges nodes by are (no node id: a histogram, and the oldest). */
export function heartbeatAges(metrics: ServiceMetrics) {
  return {
    age: metrics.histogram({
      name: 'gpux_node_heartbeat_age_seconds',
      help: "Age of each joined node's last heartbeat, observed on every watchdog tick",
      buckets: [0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300],
    }),
    oldest: metrics.gauge({
      name: 'gpux_node_heartbeat_age_max_seconds',
      help: 'Age of the oldest last heartbeat among joined nodes at the last watchdog tick (0 with none joined)',
    }),
  };
}
