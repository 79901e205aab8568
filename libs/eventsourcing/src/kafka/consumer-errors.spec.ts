import { retriedByKafkajs } from './consumer-errors';

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

  it('makes an Error of something thrown that is not one', () => {
    expect(retriedByKafkajs('boom').message).toBe('the batch failed (boom); it is retried');
  });
});
