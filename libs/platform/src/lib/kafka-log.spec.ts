import { logLevel, LogEntry } from 'kafkajs';
import { kafkaLogCreator } from './kafka-log';

const CONCURRENT =
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

function logged() {
  const lines: [string, Record<string, unknown>][] = [];
  const at = (level: string) => (entry: Record<string, unknown>) => void lines.push([level, entry]);
  const log = kafkaLogCreator({ error: at('error'), warn: at('warn'), log: at('log'), debug: at('debug') })();
  const entry = (level: logLevel, message: string, rest: Record<string, unknown> = {}): LogEntry => ({
    namespace: 'Connection',
    level,
    label: logLevel[level] ?? '',
    log: { timestamp: '2026-01-01T00:00:00.000Z', message, ...rest },
  });
  return { lines, send: (...args: Parameters<typeof entry>) => log(entry(...args)) };
}

describe("kafkajs' log lines", () => {
  it('go through the service logger at their own level, with what they carry', () => {
    const { lines, send } = logged();
    send(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', { error: 'The broker is gone', size: 12 });
    send(logLevel.WARN, 'KafkaJS v2.0.0 switched default partitioner');
    send(logLevel.INFO, 'Consumer has joined the group');
    expect(lines).toEqual([
      [
        'error',
        {
          msg: 'Response Produce(key: 0, version: 7)',
          timestamp: '2026-01-01T00:00:00.000Z',
          error: 'The broker is gone',
          size: 12,
        },
      ],
      ['warn', { msg: 'KafkaJS v2.0.0 switched default partitioner', timestamp: '2026-01-01T00:00:00.000Z' }],
      ['log', { msg: 'Consumer has joined the group', timestamp: '2026-01-01T00:00:00.000Z' }],
    ]);
  });

  it('log a retried CONCURRENT_TRANSACTIONS at debug, saying it is retried, whether it is the line or its error', () => {
    const { lines, send } = logged();
    send(logLevel.ERROR, 'Response AddOffsetsToTxn(key: 25, version: 1)', {
      error: CONCURRENT,
      correlationId: 7,
      size: 10,
    });
    send(logLevel.ERROR, CONCURRENT, { retryCount: 0, retryTime: 5 });
    expect(lines).toEqual([
      [
        'debug',
        {
          msg: 'Response AddOffsetsToTxn(key: 25, version: 1) (CONCURRENT_TRANSACTIONS: retried)',
          timestamp: '2026-01-01T00:00:00.000Z',
          error: CONCURRENT,
          correlationId: 7,
          size: 10,
          retried: true,
        },
      ],
      [
        'debug',
        {
          msg: `${CONCURRENT} (CONCURRENT_TRANSACTIONS: retried)`,
          timestamp: '2026-01-01T00:00:00.000Z',
          retryCount: 0,
          retryTime: 5,
          retried: true,
        },
      ],
    ]);
  });

  it('keep every other error an error, transactional ones included, and drop only the expected warning', () => {
    const { lines, send } = logged();
    send(logLevel.ERROR, 'Response InitProducerId(key: 22, version: 1)', {
      error: 'There is a newer producer with the same transactionalId which fences the current one',
    });
    send(logLevel.ERROR, 'Response EndTxn(key: 26, version: 1)', { error: 'Request timed out' });
    send(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees');
    expect(lines.map(([level]) => level)).toEqual(['error', 'error']);
  });
});
