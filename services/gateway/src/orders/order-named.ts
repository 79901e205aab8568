import type { Principal } from '../api/auth';
import { apiError } from '../api/errors';
import { idempotencyKeyProblem, idFromKey } from '../api/idempotency';

/** The clientOrderId argument of order and cancelOrder: the caller's own order placed with it. */
export const CLIENT_ORDER_ID_ARG = {
  type: () => String,
  nullable: true,
  description:
    "The clientOrderId (or placeOrder's idempotencyKey) you placed the order with: it names your own order, as its id derives from your account and it. Give it or the order id, not both.",
};

/**
 * The order an `order` or `cancelOrder` names: by its id (the argument `idField`), or by the
 * clientOrderId the caller placed it with, whose id derives from the caller's account and it, as
 * placeOrder derived it. Exactly one of the two, else BAD_USER_INPUT on the argument at fault.
 * `field`: the argument that named it, for the errors about the order.
 */
export function orderNamed(
  p: Pick<Principal, 'accountId' | 'roles'>,
  idField: string,
  id: string | null | undefined,
  clientOrderId: string | null | undefined,
): { orderId: string; field: string } {
  const hasId = id != null;
  const hasClientId = clientOrderId != null;
  if (hasId && hasClientId)
    throw apiError(
      'BAD_USER_INPUT',
      `${idField} and clientOrderId both name an order: give one of them`,
      'clientOrderId',
    );
  if (hasId) return { orderId: id, field: idField };
  if (!hasClientId)
    throw apiError(
      'BAD_USER_INPUT',
      `name the order: give ${idField} (its id) or clientOrderId (the one you placed it with)`,
      idField,
    );
  if (!p.roles.includes('buyer') && !p.roles.includes('provider'))
    throw apiError(
      'BAD_USER_INPUT',
      `clientOrderId names an order of the caller's own account, and this key has none: give ${idField}`,
      'clientOrderId',
    );
  const problem = idempotencyKeyProblem(clientOrderId, 'clientOrderId');
  if (problem) throw apiError('BAD_USER_INPUT', problem, 'clientOrderId');
  return { orderId: idFromKey('ord', p.accountId, clientOrderId), field: 'clientOrderId' };
}

/** How an error names an order: its id, and the clientOrderId it was named by. */
export function orderNames(orderId: string, clientOrderId: string | undefined): string {
  return clientOrderId === undefined
    ? orderId
    : `${orderId} (clientOrderId ${JSON.stringify(clientOrderId)})`;
}
