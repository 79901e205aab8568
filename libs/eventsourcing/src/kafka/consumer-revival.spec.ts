import { ConsumerRevival } from './consumer-revival';

describe('ConsumerRevival', () => {
  let now = 0;
  const lines: object[] = [];
  const logger = { error: (m: object) => void lines.push(m), log: (m: object) => void lines.push(m) };

  beforeEach(() => {
    jest.useFakeTimers();
    now = 1_000_000;
    lines.length = 0;
  });
  afterEach(() => jest.useRealTimers());

  const revival = (start: () => Promise<void>) =>
    new ConsumerRevival({
      what: 'projection p',
      logger,
      start,
      now: () => now,
      initialDelayMs: 100,
      maxDelayMs: 400,
    });

  it('leaves a crash kafkajs restarts itself to kafkajs', () => {
    const start = jest.fn(async () => undefined);
    const r = revival(start);
    r.crashed({ error: new Error('KafkaJSConnectionError'), restart: true });
    jest.advanceTimersByTime(10_000);
    expect(start).not.toHaveBeenCalled();
    expect(r.down()).toBeNull();
  });

  it('starts a new consumer after a pause, down until it joins its group', async () => {
    const start = jest.fn(async () => undefined);
    const r = revival(start);
    r.crashed({ error: 'KafkaJSProtocolError: incompatible protocols', restart: false });
    expect(r.down()).toEqual({
      error: 'KafkaJSProtocolError: incompatible protocols',
      since: now,
      attempts: 1,
    });
    jest.advanceTimersByTime(99);
    expect(start).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(start).toHaveBeenCalledTimes(1);
    // Started, not yet joined: still down.
    expect(r.down()).not.toBeNull();
    r.joined();
    expect(r.down()).toBeNull();
  });

  it('doubles the pause while the new consumers fail, up to the cap, and keeps when it went down', async () => {
    const since = now;
    let fail = true;
    const start = jest.fn(async () => {
      if (fail) throw new Error('KafkaJSConnectionError: refused');
    });
    const r = revival(start);
    r.crashed({ error: 'first', restart: false });
    const pauses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const calls = start.mock.calls.length;
      let waited = 0;
      while (start.mock.calls.length === calls) {
        jest.advanceTimersByTime(1);
        waited++;
        await Promise.resolve(); // the failed start's rejection
      }
      await Promise.resolve();
      pauses.push(waited);
      now += waited;
    }
    expect(pauses).toEqual([100, 200, 400, 400, 400]);
    expect(r.down()).toMatchObject({ since, error: 'Error: KafkaJSConnectionError: refused' });
    expect(r.down()?.attempts).toBeGreaterThanOrEqual(5);
    fail = false;
    r.joined();
    expect(r.down()).toBeNull();
    // The next crash starts from the first pause again.
    r.crashed({ error: 'again', restart: false });
    expect(r.down()?.attempts).toBe(1);
  });

  it('starts nothing once its owner stops, until it starts again', () => {
    const start = jest.fn(async () => undefined);
    const r = revival(start);
    r.crashed({ error: 'x', restart: false });
    r.stop();
    jest.advanceTimersByTime(10_000);
    expect(start).not.toHaveBeenCalled();
    r.crashed({ error: 'x', restart: false }); // a crash while stopping is the stop's doing
    jest.advanceTimersByTime(10_000);
    expect(start).not.toHaveBeenCalled();
    r.resume();
    r.crashed({ error: 'y', restart: false });
    jest.advanceTimersByTime(100);
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('is waited for from a start until its consumer joins, a join after a crash included, or its owner stops', async () => {
    const r = revival(async () => undefined);
    let joined = false;
    r.resume();
    void r.untilJoined().then(() => (joined = true));
    r.crashed({ error: 'refused', restart: false });
    jest.advanceTimersByTime(100);
    await Promise.resolve();
    expect(joined).toBe(false);
    r.joined();
    await Promise.resolve();
    expect(joined).toBe(true);
    // Started again and stopped before it joined: nothing is left waiting.
    r.resume();
    const stopped = r.untilJoined();
    r.stop();
    await expect(stopped).resolves.toBeUndefined();
  });
});
