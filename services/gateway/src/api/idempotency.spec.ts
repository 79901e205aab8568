import { GraphQLError } from 'graphql';
import { apiError } from './errors';
import {
  command,
  IDEMPOTENCY_KEY_MAX,
  idempotencyKeyProblem,
  principalScope,
  revealingOnce,
} from './idempotency';

describe('idempotency keys at the gateway', () => {
  const admin = { accountId: 'admin', roles: ['admin' as const] };
  const buyer = (accountId: string) => ({ accountId, roles: ['buyer' as const] });
  const worker = { accountId: 'prov-1', nodeId: 'node-1', roles: ['worker' as const] };

  it('scopes a key to its caller: the admin, a worker by its node, an account', () => {
    expect(principalScope(admin)).toBe('admin');
    expect(principalScope(worker)).toBe('node:node-1');
    expect(principalScope(buyer('acc-a'))).toBe('account:acc-a');
  });

  it('sends the scoped key and keeps the client key for answers', () => {
    const c = command(admin, 'settlement.Deposit', 'acc-a', { accountId: 'acc-a', amount: 1 }, 'K');
    expect(c).toMatchObject({ type: 'settlement.Deposit', subject: 'acc-a', clientKey: 'K' });
    expect(c.idempotencyKey).toMatch(/^idem-[0-9a-f]{64}$/);
    // The same caller and operation: the same key, whatever the request (the fingerprint tells them apart).
    expect(
      command(admin, 'settlement.Deposit', 'acc-b', { accountId: 'acc-b', amount: 2 }, 'K').idempotencyKey,
    ).toBe(c.idempotencyKey);
  });

  it('keeps the same client key of different callers and operations apart', () => {
    const key = (p: Parameters<typeof command>[0], type: string) =>
      command(p, type, 's', {}, 'K').idempotencyKey;
    const keys = [
      key(buyer('acc-a'), 'orders.CancelOrder'),
      key(buyer('acc-b'), 'orders.CancelOrder'),
      key(buyer('acc-a'), 'orders.PlaceOrder'),
      key(admin, 'orders.CancelOrder'),
      key(worker, 'orders.CancelOrder'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('makes a key up when the client gave none, so a TIMEOUT can name one to retry with', () => {
    const a = command(buyer('acc-a'), 'orders.PlaceOrder', 'm', {});
    const b = command(buyer('acc-a'), 'orders.PlaceOrder', 'm', {});
    expect(a.clientKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.idempotencyKey).not.toBe(b.idempotencyKey);
    expect(command(buyer('acc-a'), 'orders.PlaceOrder', 'm', {}, a.clientKey).idempotencyKey).toBe(
      a.idempotencyKey,
    );
  });

  it('takes a key of 1 to 128 characters without control characters, and says what is wrong with another without repeating it', () => {
    expect(idempotencyKeyProblem('k')).toBeNull();
    expect(idempotencyKeyProblem('deposit 7 for Ada, retry #2 ✓')).toBeNull();
    expect(idempotencyKeyProblem('k'.repeat(IDEMPOTENCY_KEY_MAX))).toBeNull();
    expect(idempotencyKeyProblem('')).toBe(
      'idempotencyKey is empty: leave it out for none; a key is 1 to 128 characters, none of them a control character or a bidirectional control',
    );
    expect(idempotencyKeyProblem('k'.repeat(10_000))).toBe(
      'idempotencyKey is 10000 characters long: a key is 1 to 128 characters, none of them a control character or a bidirectional control',
    );
    expect(idempotencyKeyProblem('ab\ncd')).toBe(
      'idempotencyKey has "\\n" at position 3: a key is 1 to 128 characters, none of them a control character or a bidirectional control',
    );
    expect(idempotencyKeyProblem('\u0000')).toMatch(/^idempotencyKey has "\\u0000" at position 1:/);
    // A line separator breaks a line as \n does (free text refuses it too).
    expect(idempotencyKeyProblem('ab\u2028', 'clientOrderId')).toBe(
      'clientOrderId has "\\u2028" at position 3: a key is 1 to 128 characters, none of them a control character or a bidirectional control',
    );
    // Half a surrogate pair: it would hash as U+FFFD does, so two keys would derive one id.
    expect(idempotencyKeyProblem('a\ud800')).toBe(
      'idempotencyKey has half a surrogate pair ("\\ud800") at position 2: a key is 1 to 128 characters, none of them a control character or a bidirectional control',
    );
    expect(idempotencyKeyProblem('a\udc00b')).toMatch(/^idempotencyKey has half a surrogate pair/);
    expect(idempotencyKeyProblem('deposit 💥')).toBeNull();
    // A bidirectional override would show the key, echoed back, as another.
    expect(idempotencyKeyProblem('\u202eevil', 'clientOrderId')).toBe(
      'clientOrderId has a bidirectional control ("\u202e") at position 1: a key is 1 to 128 characters, none of them a control character or a bidirectional control',
    );
    expect(idempotencyKeyProblem('a\u2066b')).toMatch(/^idempotencyKey has a bidirectional control/);
    // The marks that reorder nothing beyond themselves stay allowed, as in free text.
    expect(idempotencyKeyProblem('a\u200fb')).toBeNull();
    // Named after the argument that carried it: an order's key may come as its clientOrderId.
    expect(idempotencyKeyProblem('', 'clientOrderId')).toMatch(/^clientOrderId is empty: /);
  });

  it('refuses a command under a malformed key with BAD_USER_INPUT on idempotencyKey', () => {
    let refused: unknown;
    try {
      command(admin, 'settlement.Deposit', 'acc-a', {}, '');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(GraphQLError);
    expect((refused as GraphQLError).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'idempotencyKey',
    });
  });
});

describe('a mutation that shows a secret once, its key used again', () => {
  // What the sender answers an identical retry too: its new secret makes it another request to the log.
  const reused = () =>
    Promise.reject(
      apiError(
        'IDEMPOTENCY_KEY_REUSED',
        'this idempotency key was already used for a different request; use a new key for a new request',
        'idempotencyKey',
      ),
    );
  const refusal = async (recovery: Parameters<typeof revealingOnce>[1]) => {
    const error = (await revealingOnce(reused, recovery).catch((e: unknown) => e)) as GraphQLError;
    return { message: error.message, extensions: error.extensions };
  };

  it('says the key was used, true of the same request as of another, and what the first made', async () => {
    expect(
      await refusal(async () => ({
        message: 'the first request with it created key k-1',
        extensions: { keyId: 'k-1' },
      })),
    ).toEqual({
      message:
        'this idempotencyKey was already used, by this same request or another: a secret is shown only once, so a retry cannot show it again, and nothing was done; the first request with it created key k-1',
      extensions: { code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey', keyId: 'k-1' },
    });
  });

  it('never says "a different request", also when what the first made cannot be told', async () => {
    const { message, extensions } = await refusal(async () => undefined);
    expect(message).not.toMatch(/different request/);
    expect(message).toBe(
      'this idempotencyKey was already used, by this same request or another: a secret is shown only once, so a retry cannot show it again, and nothing was done; use a new key for a new request',
    );
    expect(extensions).toEqual({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' });
  });

  it('passes any other error through', async () => {
    const other = apiError('TIMEOUT', 'no outcome');
    await expect(
      revealingOnce(
        () => Promise.reject(other),
        async () => undefined,
      ),
    ).rejects.toBe(other);
  });
});
