// An order's id derives from its account and clientOrderId, so that a retry finds the order its
// first try made; the key is remembered for IDEMPOTENCY_WINDOW_MS only. After the window the same
// clientOrderId named the same order id again: a new order took over a finished one's id (its
// view, its fills and its createdAt), or was refused by settlement on a field the caller never
// sent. An order id is never reused: such a clientOrderId is refused on its own field.
import { Marketplace } from './support/marketplace';

// Long enough for every answer to be read before its key is forgotten, on a busy machine too.
const WINDOW_MS = 3_000;
const ORDER = 'id status gpus filledGpus remainingGpus cancelledGpus price createdAt';
const PLACE = `mutation($input: PlaceOrderInput!, $k: String) { placeOrder(input: $input, idempotencyKey: $k) { ${ORDER} } }`;
const ORDER_BY_ID = `query($id: ID!) { order(id: $id) { ${ORDER} } }`;
const ME = `{ me { balance held escrow } myOrders(first: 50) { totalCount } }`;

describe('order ids after their key is forgotten', () => {
  let m: Marketplace;
  let buyer = '';
  let provider = '';
  let nodeId = '';

  const place = (key: string, input: Record<string, unknown>, k?: string) =>
    m.gql<{ placeOrder: Record<string, unknown> }>(PLACE, { input, ...(k ? { k } : {}) }, key);
  const error = (r: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) => ({
    code: r.errors?.[0]?.extensions?.['code'],
    field: r.errors?.[0]?.extensions?.['field'],
  });
  const order = async (id: string) =>
    (await m.ok<{ order: Record<string, unknown> }>(ORDER_BY_ID, { id }, buyer)).order;

  beforeAll(async () => {
    // Leases are charged hourly here: nothing may move the buyer's balance but what a test does.
    m = await Marketplace.start({
      IDEMPOTENCY_WINDOW_MS: String(WINDOW_MS),
      LEASE_METER_INTERVAL_MS: '3600000',
    });
    await m.ok(
      `mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    provider = await m.account('ids-p', ['provider']);
    buyer = await m.account('ids-b', ['buyer'], '1000.00');
    nodeId = (
      await m.ok<{ registerNode: { node: { id: string } } }>(
        `mutation { registerNode(input: { marketId: "h100", gpuModel: "H100-80GB", gpus: 8, region: "eu" }) { node { id } } }`,
        {},
        provider,
      )
    ).registerNode.node.id;
    await m.ok(`mutation($n: ID!) { markNodeCertified(nodeId: $n, tflopsPerGpu: 50) { id } }`, { n: nodeId });
  }, 180_000);

  afterAll(() => m?.stop());

  it('refuses a clientOrderId whose order was placed before the window, filled, resting or cancelled, and changes nothing', async () => {
    const ask = { marketId: 'h100', side: 'ASK', gpus: 2, hours: 1, price: '2.00', nodeId };
    const bid = { marketId: 'h100', side: 'BID', gpus: 1, hours: 1, price: '2.00' };
    const filledAsk = (await place(provider, { ...ask, gpus: 1, clientOrderId: 'ask-1' })).data?.placeOrder;
    expect(filledAsk).toMatchObject({ status: 'OPEN' });
    const filled = (await place(buyer, { ...bid, clientOrderId: 'filled' })).data?.placeOrder;
    expect(filled).toMatchObject({ status: 'FILLED', filledGpus: 1 });
    const resting = (await place(buyer, { ...bid, price: '1.00', clientOrderId: 'resting' })).data
      ?.placeOrder;
    expect(resting).toMatchObject({ status: 'OPEN' });
    const cancelled = (await place(buyer, { ...bid, price: '1.00' }, 'cancelled')).data?.placeOrder;
    expect(cancelled).toMatchObject({ status: 'OPEN' });
    await m.ok(`mutation($o: ID!) { cancelOrder(orderId: $o) { id } }`, { o: cancelled!['id'] }, buyer);

    // The cancel's release reaches settlement after the cancel's answer: wait until only the
    // resting bid's hold (1.00 + 2.5 % fee) is held.
    let before = await m.ok<{ me: { held: string } }>(ME, {}, buyer);
    for (let tries = 0; before.me.held !== '1.025000' && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      before = await m.ok<{ me: { held: string } }>(ME, {}, buyer);
    }
    expect(before.me.held).toBe('1.025000');
    const views = {
      filled: await order(filled!['id'] as string),
      resting: await order(resting!['id'] as string),
      cancelled: await order(cancelled!['id'] as string),
    };
    await new Promise((r) => setTimeout(r, WINDOW_MS + 500));

    // Another ask to take the bids: a second order under an old id would trade, not just rest.
    expect((await place(provider, { ...ask, clientOrderId: 'ask-2' })).data?.placeOrder).toMatchObject({
      status: 'OPEN',
    });
    for (const [key, input, k] of [
      ['filled', { ...bid, clientOrderId: 'filled' }, undefined],
      ['resting', { ...bid, clientOrderId: 'resting' }, undefined],
      ['cancelled', { ...bid, price: '1.00' }, 'cancelled'],
    ] as const) {
      const again = await place(buyer, input, k);
      expect([key, error(again)]).toEqual([
        key,
        { code: 'ALREADY_EXISTS', field: k ? 'idempotencyKey' : 'input.clientOrderId' },
      ]);
      expect(again.errors?.[0]?.message).toContain(views[key]['id'] as string);
    }
    const provided = await place(provider, { ...ask, gpus: 1, clientOrderId: 'ask-1' });
    expect(error(provided)).toEqual({ code: 'ALREADY_EXISTS', field: 'input.clientOrderId' });

    // Nothing held, placed or changed by the refusals.
    expect(await m.ok(ME, {}, buyer)).toEqual(before);
    for (const [key, view] of Object.entries(views))
      expect([key, await order(view['id'] as string)]).toEqual([key, view]);
    // A new clientOrderId is a new order, as ever.
    expect((await place(buyer, { ...bid, clientOrderId: 'fresh' })).data?.placeOrder).toMatchObject({
      status: 'FILLED',
    });
  });

  it('takes a key as a new request once its window has passed: the gateway remembers what it bound no longer than the window', async () => {
    const DEPOSIT =
      'mutation($amount: Usd!, $k: String) { deposit(accountId: "ids-b", amount: $amount, idempotencyKey: $k) { balance } }';
    const first = await m.ok<{ deposit: { balance: string } }>(DEPOSIT, { amount: '1.00', k: 'window-key' });
    expect(error(await m.gql(DEPOSIT, { amount: '2.00', k: 'window-key' }))).toEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: 'idempotencyKey',
    });
    await new Promise((r) => setTimeout(r, WINDOW_MS + 500));
    const later = await m.ok<{ deposit: { balance: string } }>(DEPOSIT, { amount: '2.00', k: 'window-key' });
    const micros = (usd: string) => Math.round(Number(usd) * 1_000_000);
    expect(micros(later.deposit.balance) - micros(first.deposit.balance)).toBe(2_000_000);
  });
});
