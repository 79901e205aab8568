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
