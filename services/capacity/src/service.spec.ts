import { ConfigError, loadConfig } from '@gpux/platform';
import { capacityService } from './service';

describe("capacity's configuration", () => {
  const env = { KAFKA_BROKERS: '127.0.0.1:9092', REDIS_URL: 'redis://127.0.0.1:6379' };

  it('sizes challenges from 1024 to 8192, products of 5 ms at the claim, unless told', () => {
    expect(loadConfig(capacityService.configSchema!, env)).toMatchObject({
      CHALLENGE_SIZE: 1024,
      CHALLENGE_MAX_SIZE: 8192,
      CHALLENGE_PRODUCT_MS: 5,
    });
  });

  it('refuses a heartbeat timeout no longer than the interval, naming the variable', () => {
    const load = () =>
      loadConfig(capacityService.configSchema!, {
        ...env,
        HEARTBEAT_INTERVAL_MS: '5000',
        HEARTBEAT_TIMEOUT_MS: '5000',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      'HEARTBEAT_TIMEOUT_MS must be more than HEARTBEAT_INTERVAL_MS (how often workers heartbeat) (got "5000")',
    );
  });

  it('refuses a heartbeat interval over a minute: spot challenges allow it, and would pass their 5-minute cap', () => {
    const load = () =>
      loadConfig(capacityService.configSchema!, {
        ...env,
        HEARTBEAT_INTERVAL_MS: '300000',
        HEARTBEAT_TIMEOUT_MS: '1200000',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      'HEARTBEAT_INTERVAL_MS must be at most 60000 (a minute): a spot challenge allows it, within its 5-minute cap (got "300000")',
    );
    expect(
      loadConfig(capacityService.configSchema!, {
        ...env,
        HEARTBEAT_INTERVAL_MS: '60000',
        HEARTBEAT_TIMEOUT_MS: '240000',
      }),
    ).toMatchObject({ HEARTBEAT_INTERVAL_MS: 60_000 });
  });

  it('refuses a largest challenge size below the smallest, naming the variable', () => {
    const load = () =>
      loadConfig(capacityService.configSchema!, {
        ...env,
        CHALLENGE_SIZE: '1024',
        CHALLENGE_MAX_SIZE: '512',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      'CHALLENGE_MAX_SIZE must be at least CHALLENGE_SIZE (the smallest challenge size) (got "512")',
    );
  });
});
