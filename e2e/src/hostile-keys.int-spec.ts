// Issue 11, hostile input, end to end through GraphQL: a buyer's clientOrderIds `p` and then
// `p:events` once named one Redis key twice (an outcome hash, an events list). The second order
// answered INTERNAL_SERVER_ERROR and every later order in that market answered TIMEOUT, for good.
import { Marketplace } from './support/marketplace';

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status remainingGpus } }`;

describe('hostile clientOrderIds through GraphQL', () => {
  let m: Marketplace;
  let buyer = '';

  beforeAll(async () => {
    m = await Marketplace.start();
    await m.ok(
      `mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    buyer = await m.account('b1', ['buyer'], '1000.000000');
  }, 180_000);

  afterAll(() => m?.stop());

  it('gives `p` and `p:events` each their own order, and the market keeps answering', async () => {
    const place = (clientOrderId?: string) =>
      m.gql<{ placeOrder: { id: string; status: string; remainingGpus: number } }>(
        PLACE,
        {
          input: {
            marketId: 'h100',
            side: 'BID',
            gpus: 1,
            hours: 1,
            price: '1.00',
            ...(clientOrderId ? { clientOrderId } : {}),
          },
        },
        buyer,
      );

    const p = await place('p');
    expect(p.errors).toBeUndefined();
    expect(p.data?.placeOrder).toMatchObject({ status: 'OPEN', remainingGpus: 1 });
    const pEvents = await place('p:events');
    expect(pEvents.errors).toBeUndefined();
    expect(pEvents.data?.placeOrder).toMatchObject({ status: 'OPEN', remainingGpus: 1 });
    expect(pEvents.data?.placeOrder.id).not.toBe(p.data?.placeOrder.id);

    // Later orders in the same market, with and without a key, and a repeat of each key.
    const later = await place();
    expect(later.errors).toBeUndefined();
    expect(later.data?.placeOrder).toMatchObject({ status: 'OPEN' });
    expect((await place('p')).data?.placeOrder.id).toBe(p.data?.placeOrder.id);
    expect((await place('p:events')).data?.placeOrder.id).toBe(pEvents.data?.placeOrder.id);
    expect((await place('p:events:x')).data?.placeOrder).toMatchObject({ status: 'OPEN' });
  });

  it("answers `me` as null and `viewer` as the node for a worker's credential, not an error", async () => {
    const provider = await m.account('p1', ['provider']);
    const registered = await m.ok<{ registerNode: { credential: string; node: { id: string } } }>(
      `mutation { registerNode(input: { marketId: "h100", gpuModel: "H100-80GB", gpus: 1, region: "eu" }) { credential node { id } } }`,
      {},
      provider,
    );
    const { credential, node } = registered.registerNode;
    expect(await m.gql('{ me { id } viewer { kind accountId nodeId roles } }', {}, credential)).toEqual({
      data: { me: null, viewer: { kind: 'NODE', accountId: 'p1', nodeId: node.id, roles: [] } },
    });
  });
});
