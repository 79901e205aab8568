import { apiError } from './errors';
import type { Principal, RequestContext } from './auth';
import { keyRevoked, refusedKeyReason, revokedKeyReason, SocketKeys } from './socket-keys';

const buyer: Principal = { accountId: 'acc-1', roles: ['buyer'], keyId: 'k1' };
const worker: Principal = { accountId: 'prov-1', roles: ['worker'], nodeId: 'n1' };
const revoked: RequestContext = {
  principal: null,
  authError: apiError('UNAUTHENTICATED', 'the API key is not valid (unknown or revoked)'),
};
const rebuilding: RequestContext = {
  principal: null,
  authError: apiError(
    'UNAVAILABLE',
    'the settlement read model is being rebuilt from Kafka: retry in a second',
  ),
};

describe('keyRevoked', () => {
  it('takes only an UNAUTHENTICATED refusal for a key that no longer holds', () => {
    expect(keyRevoked(revoked)).toBe(true);
    expect(keyRevoked({ principal: buyer })).toBe(false);
    // Not looked up (a rebuild, Redis unreachable): the socket is not closed for it.
    expect(keyRevoked(rebuilding)).toBe(false);
    expect(keyRevoked({ principal: null, authError: new Error('connect ECONNREFUSED') })).toBe(false);
  });
});

describe('SocketKeys', () => {
  it('looks each distinct key up once and closes every socket of a key that no longer holds', async () => {
    const keys = new SocketKeys<string>();
    keys.add('s1', 'Bearer a', buyer);
    keys.add('s2', 'Bearer a', buyer);
    keys.add('s3', 'Bearer b', buyer);
    keys.add('s4', 'Bearer gpxn_c', worker);
    keys.add('s5', 'Bearer d', buyer);
    const looked: string[] = [];
    const answers: Record<string, RequestContext> = {
      'Bearer a': revoked,
      'Bearer b': { principal: buyer },
      'Bearer gpxn_c': revoked,
      'Bearer d': rebuilding,
    };
    const closed: [string, string][] = [];
    const count = await keys.sweep(
      async (authorization) => {
        looked.push(authorization);
        return answers[authorization]!;
      },
      (socket, principal) => closed.push([socket, revokedKeyReason(principal)]),
    );
    expect(looked.sort()).toEqual(['Bearer a', 'Bearer b', 'Bearer d', 'Bearer gpxn_c']);
    expect(count).toBe(3);
    expect(closed.sort()).toEqual([
      ['s1', 'the API key was revoked: connect with a valid key'],
      ['s2', 'the API key was revoked: connect with a valid key'],
      ['s4', 'the node credential was rotated or revoked: connect with its current credential'],
    ]);
    // Closed sockets are forgotten; the others are looked at again next time.
    expect(keys.size).toBe(2);
    looked.length = 0;
    expect(
      await keys.sweep(
        async (a) => (looked.push(a), answers[a]!),
        () => undefined,
      ),
    ).toBe(0);
    expect(looked.sort()).toEqual(['Bearer b', 'Bearer d']);
  });

  it('lets a sweep pass while the last one still runs, and forgets a socket removed meanwhile', async () => {
    const keys = new SocketKeys<string>();
    keys.add('s1', 'Bearer a', buyer);
    keys.add('s2', 'Bearer a', buyer);
    let answer: (c: RequestContext) => void = () => undefined;
    const closed: string[] = [];
    const first = keys.sweep(
      () => new Promise<RequestContext>((resolve) => (answer = resolve)),
      (socket) => closed.push(socket),
    );
    expect(
      await keys.sweep(
        async () => revoked,
        (socket) => closed.push(socket),
      ),
    ).toBe(0);
    keys.remove('s2');
    answer(revoked);
    expect(await first).toBe(1);
    expect(closed).toEqual(['s1']);
  });

  it('says why in at most 123 bytes, the most a close reason may hold', () => {
    for (const principal of [buyer, worker])
      expect(Buffer.byteLength(revokedKeyReason(principal))).toBeLessThanOrEqual(123);
  });
});

describe('refusedKeyReason', () => {
  it("is the refusal's own words when they fit a close reason, else a short one", () => {
    expect(refusedKeyReason(apiError('UNAUTHENTICATED', 'the API key is not known'))).toBe(
      'the API key is not known',
    );
    const reason = refusedKeyReason(apiError('UNAUTHENTICATED', 'x'.repeat(124)));
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(reason).toMatch(/not valid/);
  });
});
