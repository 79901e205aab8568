import { ReadinessLog } from './readiness-log';

describe('ReadinessLog', () => {
  const lines = () => {
    const written: [string, Record<string, unknown>][] = [];
    return { written, log: new ReadinessLog((level, line) => written.push([level, line])) };
  };
  const down = (entries: Record<string, string>) => ({
    error: Object.fromEntries(
      Object.entries(entries).map(([name, message]) => [name, { status: 'down' as const, message }]),
    ),
  });

  it('says nothing while a service that started ready stays ready', () => {
    const { written, log } = lines();
    log.saw({ error: {} });
    log.saw({});
    expect(written).toEqual([]);
  });

  it('logs checks going down once, however often it is probed and however their messages change', () => {
    const { written, log } = lines();
    log.saw(down({ startup: 'starting: waiting for consumer group a, consumer group b to join' }));
    log.saw(down({ startup: 'starting: waiting for consumer group b to join' }));
    log.saw(down({ startup: 'starting: waiting for consumer group b to join' }));
    expect(written).toEqual([
      [
        'warn',
        {
          msg: 'not ready',
          down: { startup: 'starting: waiting for consumer group a, consumer group b to join' },
        },
      ],
    ]);
  });

  it('logs again when other checks go down, and once when all are up again', () => {
    const { written, log } = lines();
    log.saw(down({ kafka: 'Kafka did not answer within 1500 ms' }));
    log.saw(down({ kafka: 'Kafka did not answer within 1500 ms', commands: 'consumer down for 3 s' }));
    log.saw(down({ commands: 'consumer down for 4 s', kafka: 'Connection error' }));
    log.saw({ error: {} });
    log.saw({ error: {} });
    expect(written).toEqual([
      ['warn', { msg: 'not ready', down: { kafka: 'Kafka did not answer within 1500 ms' } }],
      [
        'warn',
        {
          msg: 'not ready',
          down: { kafka: 'Kafka did not answer within 1500 ms', commands: 'consumer down for 3 s' },
        },
      ],
      ['log', { msg: 'ready again', wasDown: ['commands', 'kafka'] }],
    ]);
  });
});
