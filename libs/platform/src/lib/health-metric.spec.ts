import { healthCheckStates } from './health-metric';

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
