// The operator facing a compromised node revokes its credential with the admin key, whichever
// provider's node it is, with the effects of its provider doing it: the node SUSPENDED
// CREDENTIAL_REVOKED, its asks cancelled, its running lease credited, its credential refused.
// A key without the PROVIDER or ADMIN role is still refused, and the admin key may not rotate the
// credential (that hands out the node's new secret, its provider's alone).
import { Marketplace } from './support/marketplace';

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const NODE = `query($id: ID!) { gpuNode(id: $id) { status suspendedReason } }`;
const REVOKE = `mutation($n: ID!) { revokeNodeCredential(nodeId: $n, idempotencyKey: "admin-revokes-1") { id status suspendedReason } }`;

describe("the operator revokes a provider's node credential", () => {
  let m: Marketplace;

  beforeAll(async () => {
    m = await Marketplace.start();
  }, 180_000);
  afterAll(() => m?.stop());

  it('with the admin key: suspended, asks cancelled, lease credited, credential refused; a buyer key still refused', async () => {
    await m.ok(
      `mutation { openMarket(input: { marketId: "ar", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    const provider = await m.account('ar-p', ['provider']);
    const buyer = await m.account('ar-b', ['buyer'], '100');
    const registered = await m.ok<{ registerNode: { credential: string } }>(
      `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { credential } }`,
      { i: { marketId: 'ar', gpuModel: 'H100-80GB', gpus: 2, region: 'eu', nodeId: 'ar-node' } },
      provider,
    );
    const credential = registered.registerNode.credential;
    await m.ok(`mutation { markNodeCertified(nodeId: "ar-node", tflopsPerGpu: 50) { status } }`);
    const placeAsk = (gpus: number) =>
      m.ok<{ placeOrder: { id: string; status: string } }>(
        `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }`,
        { i: { marketId: 'ar', side: 'ASK', gpus, hours: 1, price: '2.00', nodeId: 'ar-node' } },
        provider,
      );
    await placeAsk(1);
    const filled = await m.ok<{ placeOrder: { status: string } }>(
      `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { status } }`,
      { i: { marketId: 'ar', side: 'BID', gpus: 1, hours: 1, price: '2.00' } },
      buyer,
    );
    expect(filled.placeOrder.status).toBe('FILLED');
    const open = await placeAsk(1);
    expect(open.placeOrder.status).toBe('OPEN');
    expect((await m.gql(`{ viewer { kind } }`, {}, credential)).data).toEqual({ viewer: { kind: 'NODE' } });

    // A BUYER-only key is refused, saying which keys may, and the node is as it was.
    const refused = await m.gql(REVOKE, { n: 'ar-node' }, buyer);
    expect(refused.errors?.[0]).toMatchObject({
      message: expect.stringMatching(
        /^this operation is for provider or admin keys: this key holds BUYER only/,
      ),
      extensions: { code: 'FORBIDDEN' },
    });
    expect((await m.ok(NODE, { id: 'ar-node' })).gpuNode).toEqual({
      status: 'CERTIFIED',
      suspendedReason: null,
    });

    // The admin key revokes it: the node is suspended at once, as its provider's revocation does.
    const revoked = await m.ok<{ revokeNodeCredential: Record<string, unknown> }>(REVOKE, { n: 'ar-node' });
    expect(revoked.revokeNodeCredential).toEqual({
      id: 'ar-node',
      status: 'SUSPENDED',
      suspendedReason: 'CREDENTIAL_REVOKED',
    });
    // The same request again is its one outcome, not a second revocation (refused NOT_FOUND).
    expect(
      (await m.ok<{ revokeNodeCredential: unknown }>(REVOKE, { n: 'ar-node' })).revokeNodeCredential,
    ).toEqual(revoked.revokeNodeCredential);
    expect((await m.gql(`{ viewer { kind } }`, {}, credential)).errors?.[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const ask = await eventually(async () => {
      const o = await m.ok<{ order: { status: string; cancelReason: string | null } }>(
        `query($id: ID!) { order(id: $id) { status cancelReason } }`,
        { id: open.placeOrder.id },
        provider,
      );
      return o.order.status === 'CANCELLED' ? o.order : undefined;
    }, "the node's open ask to be cancelled");
    expect(ask.cancelReason).toBe('NODE_SUSPENDED');
    const lease = await eventually(async () => {
      const r = await m.ok<{
        myLeases: { edges: { node: { status: string; refunded: string; endedReason: string | null } }[] };
      }>(`{ myLeases(first: 5) { edges { node { status refunded endedReason } } } }`, {}, buyer);
      const l = r.myLeases.edges[0]?.node;
      return l && l.status !== 'ACTIVE' ? l : undefined;
    }, 'the lease to be credited');
    expect(lease).toMatchObject({ status: 'CREDITED', endedReason: 'CREDENTIAL_REVOKED' });
    expect(Number(lease.refunded)).toBeGreaterThan(0);

    // Rotating stays the provider's: the admin key is told why, and what it may do instead.
    const rotate = await m.gql(`mutation { rotateNodeCredential(nodeId: "ar-node") { credential } }`);
    expect(rotate.errors?.[0]).toMatchObject({
      message: expect.stringMatching(
        /^this operation is for provider keys: rotateNodeCredential hands out .*revokeNodeCredential/,
      ),
      extensions: { code: 'FORBIDDEN' },
    });
    const rotated = await m.ok<{ rotateNodeCredential: { credential: string } }>(
      `mutation { rotateNodeCredential(nodeId: "ar-node") { credential } }`,
      {},
      provider,
    );
    expect((await m.gql(`{ viewer { kind } }`, {}, rotated.rotateNodeCredential.credential)).data).toEqual({
      viewer: { kind: 'NODE' },
    });
  }, 120_000);
});
