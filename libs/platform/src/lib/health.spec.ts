import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthChecks } from './health';

describe("a service's own health checks", () => {
  it('are down, saying so, when they do not answer in time, and as they answer otherwise', async () => {
    jest.useFakeTimers();
    try {
      const checks = new HealthChecks();
      checks.register('stalled', () => new Promise(() => undefined)); // Redis frozen under it
      checks.register('fine', async (indicators) => indicators.check('fine').up({ lag: 0 }));
      const indicators = new HealthIndicatorService();
      const [stalled, fine] = checks.all().map((check) => check(indicators));
      await jest.advanceTimersByTimeAsync(1_500);
      await expect(stalled).resolves.toEqual({
        stalled: { status: 'down', message: 'the stalled check did not answer within 1500 ms' },
      });
      await expect(fine).resolves.toEqual({ fine: { status: 'up', lag: 0 } });
    } finally {
      jest.useRealTimers();
    }
  });
});
