import { healthCheckStates, healthGaugeStates } from './health-metric';

describe('healthCheckStates', () => {
  it('is 1 for each check up and 0 for each check down, as /health reports them', () => {
    expect(
      healthCheckStates({
        details: {
          startup: { status: 'up' },
          kafka: { status: 'up', brokers: 1 },
          redis: { status: 'down', message: 'connection is reconnecting' },
          'orders.read-model': {
            status: 'down',
            message: 'the orders.read-model check did not answer within 1500 ms',
          },
        },
      }),
    ).toEqual({ startup: 1, kafka: 1, redis: 0, 'orders.read-model': 0 });
  });

  it('leaves out a check without a status, and is empty for no details', () => {
    expect(healthCheckStates({ details: { odd: {} as never, kafka: { status: 'up' } } })).toEqual({
      kafka: 1,
    });
    expect(healthCheckStates({ details: {} })).toEqual({});
  });
});

describe('healthGaugeStates', () => {
  it('is what the probe reported when it answered', () => {
    expect(
      healthGaugeStates({ details: { startup: { status: 'up' }, redis: { status: 'down' } } }, [
        'startup',
        'kafka',
        'redis',
      ]),
    ).toEqual({ startup: 1, redis: 0 });
  });

  it('sets every check of the service to 0 when the probe failed outright: not known up is not up', () => {
    expect(healthGaugeStates(undefined, ['startup', 'kafka', 'redis', 'orders.read-model', 'redis'])).toEqual(
      {
        startup: 0,
        kafka: 0,
        redis: 0,
        'orders.read-model': 0,
      },
    );
  });
});
