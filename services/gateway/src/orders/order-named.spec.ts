import { GraphQLError } from 'graphql';
import { idFromKey } from '../api/idempotency';
import { orderNamed } from './order-named';

const buyer = { accountId: 'acc-1', roles: ['buyer' as const] };
const admin = { accountId: 'admin', roles: ['admin' as const] };
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    const e = error as GraphQLError;
    return { message: e.message, ...e.extensions };
  }
  throw new Error('not refused');
};

describe('the order an order query or cancelOrder names', () => {
  it('is the id as given', () => {
    expect(orderNamed(buyer, 'id', 'ord-1', undefined)).toEqual({ orderId: 'ord-1', field: 'id' });
  });

  it("is the caller's own order placed with a clientOrderId: the id placeOrder derived from it", () => {
    expect(orderNamed(buyer, 'orderId', undefined, 'my-first-bid')).toEqual({
      orderId: idFromKey('ord', 'acc-1', 'my-first-bid'),
      field: 'clientOrderId',
    });
    // Another account's same clientOrderId is another order.
    expect(orderNamed({ ...buyer, accountId: 'acc-2' }, 'id', null, 'my-first-bid').orderId).not.toBe(
      idFromKey('ord', 'acc-1', 'my-first-bid'),
    );
  });

  it('takes exactly one of the two, refusing BAD_USER_INPUT on the argument at fault', () => {
    expect(refusal(() => orderNamed(buyer, 'id', 'ord-1', 'my-first-bid'))).toEqual({
      message: 'id and clientOrderId both name an order: give one of them',
      code: 'BAD_USER_INPUT',
      field: 'clientOrderId',
    });
    expect(refusal(() => orderNamed(buyer, 'orderId', undefined, undefined))).toEqual({
      message: 'name the order: give orderId (its id) or clientOrderId (the one you placed it with)',
      code: 'BAD_USER_INPUT',
      field: 'orderId',
    });
  });

  it('refuses a clientOrderId that could be no key, and one asked by a key without an account', () => {
    expect(refusal(() => orderNamed(buyer, 'id', undefined, ''))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'clientOrderId',
    });
    expect(refusal(() => orderNamed(admin, 'id', undefined, 'my-first-bid'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'clientOrderId',
    });
  });
});
