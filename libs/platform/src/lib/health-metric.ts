import type { HealthCheckResult } from '@nestjs/terminus';

/**
 * What `gpux_health_check_up` shows for one readiness probe: each check the probe ran (`startup`,
 * `kafka`, `redis`, a read model, `commands`...) at 1 when up and 0 when down, as `/health` reports
 * them. A check with no status in the result is left out.
 */
export function healthCheckStates(result: Pick<HealthCheckResult, 'details'>): Record<string, 0 | 1> {
  const states: Record<string, 0 | 1> = {};
  for (const [check, detail] of Object.entries(result.details ?? {})) {
    const status = (detail as { status?: unknown } | undefined)?.status;
    if (status === 'up') states[check] = 1;
    else if (status === 'down') states[check] = 0;
  }
  return states;
}

/**
 * What `gpux_health_check_up` shows after a scrape's probe: each check as the probe reported it
 * (`healthCheckStates`), or, when the probe failed outright (it threw, or did not answer within
 * the scrape's 2 s: the service too stalled to say), every check of the service at 0. Before, the
 * gauge kept the last values then, and showed a service that could not answer as up. `checks`:
 * every check the service runs (`startup`, `kafka`, `redis` and its own), with any the probe
 * reported before.
 */
export function healthGaugeStates(
  result: Pick<HealthCheckResult, 'details'> | undefined,
  checks: Iterable<string>,
): Record<string, 0 | 1> {
  if (result) return healthCheckStates(result);
  return Object.fromEntries([...new Set(checks)].map((check) => [check, 0 as const]));
}
