import { GraphQLError } from 'graphql';
import { apiError } from '../api/errors';
import { forgetMargin, onKeyArgument, orderIdReuse } from './order-id-reuse';

describe('orderIdReuse', () => {
  const DAY = 86_400_000;
  const placed = '2026-12-01T10:00:00.000Z';
  const at = (ms: number) => Date.parse(placed) + ms;

  it('lets a key through when no order has its id', () => {
    expect(orderIdReuse('ord-1', null, at(10 * DAY), DAY)).toBeUndefined();
  });

  it("lets a key through within its window: a retry or another order there is the key's to answer", () => {
    expect(orderIdReuse('ord-1', placed, at(0), DAY)).toBeUndefined();
    expect(orderIdReuse('ord-1', placed, at(DAY - forgetMargin(DAY) - 1), DAY)).toBeUndefined();
  });

  it('refuses it from a margin before the window ends, naming the order and when it was placed', () => {
    expect(forgetMargin(DAY)).toBe(60_000);
    expect(forgetMargin(1_500)).toBe(150);
    const message = orderIdReuse('ord-1', placed, at(DAY - forgetMargin(DAY)), DAY);
    expect(message).toContain('ord-1');
    expect(message).toContain(placed);
    expect(orderIdReuse('ord-1', placed, at(30 * DAY), DAY)).toBe(message);
  });

  it('refuses it whatever became of the order: its id stays its own', () => {
    // The view's createdAt is all the rule reads: filled, resting and cancelled orders alike.
    expect(orderIdReuse('ord-2', placed, at(2 * DAY), DAY)).toMatch(/^this key named order ord-2/);
  });
});

describe('onKeyArgument', () => {
  it("names an existing order id's refusal on the key's argument, keeping its other extensions", () => {
    const refused = onKeyArgument(
      apiError('ALREADY_EXISTS', 'order ord-1 already exists', 'orderId', { idempotencyKey: 'k' }),
      'clientOrderId',
      'ord-1',
    ) as GraphQLError;
    expect(refused.message).toBe('clientOrderId names order ord-1 already exists');
    expect(refused.extensions).toEqual({
      code: 'ALREADY_EXISTS',
      field: 'clientOrderId',
      idempotencyKey: 'k',
    });
  });

  it('lets every other error pass as it is', () => {
    const others = [
      apiError('ALREADY_EXISTS', 'market m already exists', 'marketId'),
      apiError('INSUFFICIENT_FUNDS', 'short'),
      new Error('boom'),
      'not an error',
    ];
    for (const error of others) expect(onKeyArgument(error, 'idempotencyKey', 'ord-1')).toBe(error);
  });

  it("names the order a TIMEOUT's retry aims at, where it does not yet (an ask's; a bid's does)", () => {
    const timedOut = onKeyArgument(
      apiError('TIMEOUT', 'no outcome within 10000 ms', undefined, { idempotencyKey: 'k' }),
      'clientOrderId',
      'ord-3',
    ) as GraphQLError;
    expect(timedOut.message).toBe('no outcome within 10000 ms');
    expect(timedOut.extensions).toEqual({ code: 'TIMEOUT', idempotencyKey: 'k', orderId: 'ord-3' });
    const named = apiError('TIMEOUT', 'late', undefined, { idempotencyKey: 'k', orderId: 'ord-1' });
    expect(onKeyArgument(named, 'clientOrderId', 'ord-3')).toBe(named);
  });

  it('names the order a key reused for another order was first used for, on the argument that carried it', () => {
    const refused = onKeyArgument(
      apiError(
        'IDEMPOTENCY_KEY_REUSED',
        'this idempotency key was already used for a different request',
        'clientOrderId',
      ),
      'clientOrderId',
      'ord-7',
      '2025-01-01T00:00:00.000Z',
    ) as GraphQLError;
    expect(refused.message).toBe(
      'this clientOrderId was already used for a different order, ord-7, placed at 2025-01-01T00:00:00.000Z; nothing was done: give a new order a new clientOrderId',
    );
    expect(refused.extensions).toEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: 'clientOrderId',
      orderId: 'ord-7',
    });
    // No order placed with the key: its first was refused, or is not decided yet.
    const unplaced = onKeyArgument(
      apiError(
        'IDEMPOTENCY_KEY_REUSED',
        'this idempotency key was already used for a different request',
        'k',
      ),
      'idempotencyKey',
      'ord-8',
      null,
    ) as GraphQLError;
    expect(unplaced.message).toBe(
      'this idempotencyKey was already used for a different order, one that was refused or is not decided yet (no order ord-8 is placed: that order sent again answers its outcome); nothing was done: give a new order a new idempotencyKey',
    );
    expect(unplaced.extensions).toEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: 'idempotencyKey',
      orderId: 'ord-8',
    });
  });
});
