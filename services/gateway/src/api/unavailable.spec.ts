import { GraphQLError } from 'graphql';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors';
import { KafkaJSConnectionError } from 'kafkajs';
import { dependencyDown, unavailableHead } from './unavailable';

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

describe('unavailableHead', () => {
  const unavailable = (retryAfterMs?: number) => ({
    message: 'retry',
    extensions: { code: 'UNAVAILABLE', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
  });
  const notFound = { message: 'no such order', extensions: { code: 'NOT_FOUND' } };

  it('is a 503 with Retry-After when nothing was answered', () => {
    expect(unavailableHead({ errors: [unavailable(1000)] }, 500)).toEqual({
      status: 503,
      retryAfterSeconds: 1,
    });
    expect(unavailableHead({ data: null, errors: [unavailable(1000)] }, undefined)).toEqual({
      status: 503,
      retryAfterSeconds: 1,
    });
    // Every root field null: a mutation whose command Kafka did not take, beside one not found.
    expect(
      unavailableHead(
        { data: { deposit: null, order: null }, errors: [notFound, unavailable(1000)] },
        undefined,
      ),
    ).toEqual({ status: 503, retryAfterSeconds: 1 });
  });

  it('keeps the status of an answer with a value in it, and still says when to retry', () => {
    expect(
      unavailableHead({ data: { a: { balance: '1.00' }, b: null }, errors: [unavailable(1000)] }, undefined),
    ).toEqual({ retryAfterSeconds: 1 });
    // A refusal of the request itself stands.
    expect(unavailableHead({ errors: [unavailable(1000)] }, 400)).toEqual({ retryAfterSeconds: 1 });
  });

  it('waits the longest of the errors, in whole seconds, at least one', () => {
    expect(unavailableHead({ errors: [unavailable(1000), unavailable(2500)] }, undefined)).toEqual({
      status: 503,
      retryAfterSeconds: 3,
    });
    expect(unavailableHead({ errors: [unavailable(10)] }, undefined)?.retryAfterSeconds).toBe(1);
    expect(unavailableHead({ errors: [unavailable()] }, undefined)?.retryAfterSeconds).toBe(1);
  });

  it('is undefined for an answer without UNAVAILABLE', () => {
    expect(unavailableHead({ data: { order: null }, errors: [notFound] }, undefined)).toBeUndefined();
    expect(unavailableHead({ data: { order: null } }, undefined)).toBeUndefined();
  });
});
