import { consumerTiming } from './consumer-timing';

describe('consumerTiming', () => {
  it('heartbeats five times per session, at least a second apart', () => {
    expect(consumerTiming()).toEqual({ sessionTimeout: 10_000, heartbeatInterval: 2_000 });
    expect(consumerTiming(6_001)).toEqual({ sessionTimeout: 6_001, heartbeatInterval: 1_200 });
    expect(consumerTiming(3_000)).toEqual({ sessionTimeout: 3_000, heartbeatInterval: 1_000 });
  });
});
