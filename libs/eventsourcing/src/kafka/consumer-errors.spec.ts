import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { retriedByKafkajs } from './consumer-errors';

/** An error as kafkajs makes one of a broker's error code. */
const protocolError = (type: string, retriable: boolean) =>
  Object.assign(new KafkaJSProtocolError(type), { type, retriable });

describe('retriedByKafkajs', () => {
  it('passes on an error kafkajs retries as it is', () => {
    const failed = new Error('transaction aborted');
    expect(retriedByKafkajs(failed)).toBe(failed);
  });

  it.each([new RangeError('Maximum call stack size exceeded'), new TypeError('x is undefined')])(
    'makes a plain Error of %p, which kafkajs retries and restarts after, keeping the cause',
    (error) => {
      const rethrown = retriedByKafkajs(error);
      expect(rethrown.name).toBe('Error');
      expect(rethrown.message).toBe(`the batch failed (${error.name}: ${error.message}); it is retried`);
      expect(rethrown.cause).toBe(error);
    },
  );

  it('makes a plain Error of one the broker called final, such as a record batch too large', () => {
    const tooLarge = protocolError('MESSAGE_TOO_LARGE', false);
    const rethrown = retriedByKafkajs(new KafkaJSNonRetriableError(tooLarge));
    expect(rethrown.name).toBe('Error');
    expect(rethrown.message).toMatch(
      /^the batch failed \(KafkaJSNonRetriableError: MESSAGE_TOO_LARGE\); it is retried$/,
    );
    expect(retriedByKafkajs(tooLarge).cause).toBe(tooLarge);
  });

  it("passes on the group's own errors, which kafkajs answers by joining again, and the ones it retries", () => {
    const rebalancing = protocolError('REBALANCE_IN_PROGRESS', false);
    expect(retriedByKafkajs(rebalancing)).toBe(rebalancing);
    const retried = protocolError('NOT_LEADER_FOR_PARTITION', true);
    expect(retriedByKafkajs(retried)).toBe(retried);
  });

  it('makes an Error of something thrown that is not one', () => {
    expect(retriedByKafkajs('boom').message).toBe('the batch failed (boom); it is retried');
  });
});
