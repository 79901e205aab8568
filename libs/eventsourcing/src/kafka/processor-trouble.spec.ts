import { FAILING_DOWN_MS, FailingPartition, processorTrouble } from './processor-trouble';

const at = Date.parse('2026-12-01T12:00:00Z');

describe('processorTrouble', () => {
  it('is null while no partition fails, and while failures are younger than the bound (a rebalance, a broker restart)', () => {
    expect(processorTrouble('settlement.commands', new Map(), null, at)).toBeNull();
    const young = new Map<number, FailingPartition>([
      [2, { since: at - FAILING_DOWN_MS + 1, failures: 3, error: 'e' }],
    ]);
    expect(processorTrouble('settlement.commands', young, null, at)).toBeNull();
  });

  it('names the partition failing longest once it passes the bound, with every failing partition', () => {
    const failing = new Map<number, FailingPartition>([
      [4, { since: at - 5_000, failures: 1, error: 'later' }],
      [1, { since: at - 42_000, failures: 6, error: 'KafkaJSProtocolError: MESSAGE_TOO_LARGE' }],
    ]);
    expect(processorTrouble('settlement.commands', failing, null, at)).toEqual({
      message:
        'settlement.commands partition 1 has failed for 42 s (6 attempts in a row): KafkaJSProtocolError: MESSAGE_TOO_LARGE',
      failing: [
        {
          partition: 1,
          since: '2026-12-01T11:59:18.000Z',
          failures: 6,
          error: 'KafkaJSProtocolError: MESSAGE_TOO_LARGE',
        },
        { partition: 4, since: '2026-12-01T11:59:55.000Z', failures: 1, error: 'later' },
      ],
    });
  });

  it('reports a consumer kafkajs stopped for good at once, while it is down', () => {
    const down = { error: 'KafkaJSNonRetriableError: boom', since: at - 7_000, attempts: 2 };
    expect(processorTrouble('orders.commands', new Map(), down, at)).toEqual({
      message:
        'the command consumer is down for 7 s (kafkajs stopped it for good, 2 times in a row; a new one starts after a pause): KafkaJSNonRetriableError: boom',
      failing: [],
    });
  });
});
