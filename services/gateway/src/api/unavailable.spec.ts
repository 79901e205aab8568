import { GraphQLError } from 'graphql';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors';
import { KafkaJSConnectionError } from 'kafkajs';
import { dependencyDown } from './unavailable';

describe('dependencyDown', () => {
  it("knows ioredis' and kafkajs' words for a connection that is down, also wrapped", () => {
    // ioredis types it apart from Error (its base class is untyped), though it is one.
    const retries = new MaxRetriesPerRequestError(3) as unknown as Error;
    expect(dependencyDown(retries)).toBe(true);
    expect(dependencyDown(new Error('Connection is closed.'))).toBe(true);
    expect(
      dependencyDown(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe(true);
    expect(dependencyDown(new KafkaJSConnectionError('Connection error'))).toBe(true);
    expect(dependencyDown(new GraphQLError('wrapped', { originalError: retries }))).toBe(true);
    expect(dependencyDown(new Error('context creation failed', { cause: retries }))).toBe(true);
  });

  it('is false for everything else', () => {
    expect(dependencyDown(new Error('a bug'))).toBe(false);
    expect(dependencyDown(new TypeError('x is undefined'))).toBe(false);
    expect(dependencyDown('Connection is closed.')).toBe(false);
    expect(dependencyDown(undefined)).toBe(false);
    const loop = new Error('loop');
    (loop as Error & { cause?: unknown }).cause = loop;
    expect(dependencyDown(loop)).toBe(false);
  });
});
