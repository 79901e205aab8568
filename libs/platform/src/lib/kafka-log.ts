import { Logger } from '@nestjs/common';
import { logLevel, LogEntry } from 'kafkajs';

const levelName: Record<number, 'error' | 'warn' | 'log' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'log',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs warns about this for every transactional producer with a bounded retry count. Our
 * transactions abort on any failure and the work is redone from the committed offset, so bounded
 * retries cannot duplicate anything; unbounded ones would hang a producer while the broker is away.
 */
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer may invalidate EoS guarantees'];

/**
 * kafkajs' text for the coordinator's CONCURRENT_TRANSACTIONS answer (error code 51), which it logs
 * at error level for every try (`Response AddOffsetsToTxn(…)` with it as `error`, or as the line
 * itself), although it is retried on purpose: by kafkajs, and by whileConcurrent with
 * TRANSACTION_RETRY (libs/eventsourcing/src/kafka/codec.ts). The coordinator answers it while it
 * finishes the previous commit's markers, a few ms, so a busy service met it every few seconds
 * and its log was full of errors while it worked. A step that still fails after its retries is
 * thrown, and logged at error by whoever ran it.
 */
const RETRIED_ERRORS = [
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
];

type KafkaLogger = Pick<Logger, 'error' | 'warn' | 'log' | 'debug'>;

/**
 * Sends kafkajs' own log lines through the service's structured logger: each at its level, but
 * the expected warnings above dropped and a retried CONCURRENT_TRANSACTIONS logged at debug,
 * marked `retried: true`. Every other error stays an error.
 */
export function kafkaLogCreator(logger: KafkaLogger = new Logger('kafkajs')) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      if (EXPECTED_WARNINGS.includes(message)) return;
      const error: unknown = rest['error'];
      if (
        level === logLevel.ERROR &&
        RETRIED_ERRORS.some(
          (text) => message.includes(text) || (typeof error === 'string' && error.includes(text)),
        )
      ) {
        logger.debug({ msg: `${message} (CONCURRENT_TRANSACTIONS: retried)`, ...rest, retried: true });
        return;
      }
      logger[levelName[level] ?? 'log']({ msg: message, ...rest });
    };
}
