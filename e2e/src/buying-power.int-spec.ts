// Buying power end to end through GraphQL (issue 12): a buyer sets part of its balance aside for a
// market, bids on it (the market decides those bids alone), trades, cancels and releases; every
// figure is right to the minor unit in both services' read models, and nothing is held twice or
// left held. GPU-hours last an hour here: no lease is charged while the test runs.
import { Marketplace } from './support/marketplace';

const BUYING_POWER = `query($m: ID!) { buyingPower(marketId: $m) { marketId accountId available } }`;
const ALLOT = `mutation($m: ID!, $a: Usd!, $k: String) { allotBuyingPower(marketId: $m, amount: $a, idempotencyKey: $k) { available } }`;
const RELEASE = `mutation($m: ID!, $a: Usd) { releaseBuyingPower(marketId: $m, amount: $a) { available } }`;
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status filledGpus remainingGpus cancelReason funding } }`;
const ACCOUNT = `query($id: ID!) { account(id: $id) { balance held escrow } }`;

type Errors = { errors?: { message: string; extensions?: Record<string, unknown> }[] };
const error = (r: Errors) => ({
  code: r.errors?.[0]?.extensions?.['code'],
  field: r.errors?.[0]?.extensions?.['field'],
});

async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (JSON.stringify(last) !== JSON.stringify(expected)) {
    if (Date.now() > deadline) expect(last).toEqual(expected);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
}

describe('buying power through GraphQL', () => {
  let m: Marketplace;
  const keys: Record<string, string> = {};
  let node = '';

  const power = async (who = 'b1', marketId = 'h100') =>
    (await m.ok<{ buyingPower: { available: string } }>(BUYING_POWER, { m: marketId }, keys[who]!))
      .buyingPower.available;
  const account = async (id = 'b1') =>
    (await m.ok<{ account: Record<string, string> }>(ACCOUNT, { id })).account;
  const place = (who: string, input: Record<string, unknown>) =>
    m.gql<{ placeOrder: Record<string, unknown> }>(PLACE, { input }, keys[who]!);
  const bid = (input: Record<string, unknown>) =>
    place('b1', { marketId: 'h100', side: 'BID', funding: 'BUYING_POWER', ...input });

  beforeAll(async () => {
    m = await Marketplace.start();
    await m.ok(
      `mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    keys['p1'] = await m.account('p1', ['provider']);
    keys['b1'] = await m.account('b1', ['buyer'], '1000.00');
    node = (
      await m.ok<{ registerNode: { node: { id: string } } }>(
        `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { node { id } } }`,
        { i: { marketId: 'h100', gpuModel: 'H100-80GB', gpus: 8, region: 'eu-west' } },
        keys['p1']!,
      )
    ).registerNode.node.id;
    await m.ok(`mutation($n: ID!) { markNodeCertified(nodeId: $n, tflopsPerGpu: 50) { status } }`, {
      n: node,
    });
  }, 180_000);

  afterAll(() => m?.stop());

  it('is allotted once per key, from the available balance, and shows where it is', async () => {
    expect(await m.ok(BUYING_POWER, { m: 'h100' }, keys['b1']!)).toEqual({
      buyingPower: { marketId: 'h100', accountId: 'b1', available: '0.000000' },
    });
    const allot = () => m.ok(ALLOT, { m: 'h100', a: '300.00', k: 'allot-1' }, keys['b1']!);
    expect(await allot()).toEqual({ allotBuyingPower: { available: '300.000000' } });
    // The same request again is answered, not done again.
    expect(await allot()).toEqual({ allotBuyingPower: { available: '300.000000' } });
    expect(await account()).toEqual({ balance: '700.000000', held: '300.000000', escrow: '0.000000' });
    // It cannot be withdrawn while allotted: only what is available can.
    expect(
      error(await m.gql(`mutation { withdraw(accountId: "b1", amount: "700.01") { balance } }`)),
    ).toEqual({ code: 'INSUFFICIENT_FUNDS', field: 'amount' });
  });

  it('refuses what cannot be allotted, with the field at fault, and changes nothing', async () => {
    const refused = async (vars: Record<string, unknown>, key = keys['b1']!) =>
      error(await m.gql(ALLOT, vars, key));
    expect(await refused({ m: 'h100', a: '700.01' })).toEqual({
      code: 'INSUFFICIENT_FUNDS',
      field: 'amount',
    });
    expect(await refused({ m: 'h100', a: '0' })).toEqual({ code: 'BAD_USER_INPUT', field: 'amount' });
    expect(await refused({ m: 'nope', a: '1.00' })).toEqual({ code: 'NOT_FOUND', field: 'marketId' });
    expect(await refused({ m: 'h100', a: '1.00' }, keys['p1']!)).toEqual({
      code: 'FORBIDDEN',
      field: undefined,
    });
    const short = await m.gql(ALLOT, { m: 'h100', a: '700.01' }, keys['b1']!);
    expect(short.errors?.[0]?.extensions?.['available']).toBe('700.000000');
    expect(await account()).toEqual({ balance: '700.000000', held: '300.000000', escrow: '0.000000' });
    expect(await power()).toBe('300.000000');
  });

  it('pays for bids the market decides alone: trades at a better price give back to it, cancels too', async () => {
    const ask = await place('p1', {
      marketId: 'h100',
      side: 'ASK',
      gpus: 4,
      hours: 24,
      price: '2.00',
      nodeId: node,
    });
    expect(ask.data?.placeOrder).toMatchObject({ status: 'OPEN', funding: null });
    // 2 GPUs × 10 h at up to 2.10 with 2.5 % fee: 43.05 set aside; it trades at the ask's 2.00:
    // 40.00 + 1.00 fee into the lease's escrow, 2.05 back to the buying power.
    const traded = await bid({ gpus: 2, hours: 10, price: '2.10', clientOrderId: 'power-1' });
    expect(traded.data?.placeOrder).toMatchObject({
      status: 'FILLED',
      filledGpus: 2,
      funding: 'BUYING_POWER',
    });
    expect(await power()).toBe('259.000000');
    await eventually(account, { balance: '700.000000', held: '259.000000', escrow: '41.000000' });

    // The same clientOrderId funded otherwise is another request.
    expect(
      error(
        await place('b1', {
          marketId: 'h100',
          side: 'BID',
          gpus: 2,
          hours: 10,
          price: '2.10',
          clientOrderId: 'power-1',
        }),
      ),
    ).toEqual({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'input.clientOrderId' });

    // A bid that rests holds its worst case there until it is cancelled.
    const resting = await bid({ gpus: 2, hours: 10, price: '1.50' });
    expect(resting.data?.placeOrder).toMatchObject({ status: 'OPEN', funding: 'BUYING_POWER' });
    // A bid on the balance beside it says so, and holds from the balance, not the buying power.
    const onBalance = await place('b1', { marketId: 'h100', side: 'BID', gpus: 1, hours: 1, price: '1.00' });
    expect(onBalance.data?.placeOrder).toMatchObject({ status: 'OPEN', funding: 'BALANCE' });
    await m.ok(
      `mutation($id: ID!) { cancelOrder(orderId: $id) { status } }`,
      { id: onBalance.data!.placeOrder['id'] },
      keys['b1']!,
    );
    expect(await power()).toBe('228.250000');
    const id = resting.data!.placeOrder['id'] as string;
    await m.ok(`mutation($id: ID!) { cancelOrder(orderId: $id) { status } }`, { id }, keys['b1']!);
    expect(await power()).toBe('259.000000');
    // The balance bid's hold comes back a moment after its cancel answers (settlement applies it).
    await eventually(account, { balance: '700.000000', held: '259.000000', escrow: '41.000000' });
  });

  it('refuses a bid its buying power does not cover, saying what is there, and an ask funded by it', async () => {
    const short = await bid({ gpus: 8, hours: 20, price: '2.00', clientOrderId: 'too-big' });
    expect(error(short)).toEqual({ code: 'INSUFFICIENT_FUNDS', field: 'input.price' });
    // 8 GPUs × 20 h × (2.00 + 0.05 fee) = 328.00, as a bid short of its balance says it.
    expect(short.errors?.[0]?.extensions).toMatchObject({
      available: '259.000000',
      required: '328.000000',
      orderId: expect.stringMatching(/^ord-/),
    });
    expect(short.errors?.[0]?.message).toContain('allotBuyingPower');
    expect(
      error(
        await place('p1', {
          marketId: 'h100',
          side: 'ASK',
          funding: 'BUYING_POWER',
          gpus: 1,
          hours: 1,
          price: '2.00',
          nodeId: node,
        }),
      ),
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'input.funding' });
    expect(await power()).toBe('259.000000');
  });

  it('is given back on request, never more than the bids leave, and then is available again', async () => {
    expect(await m.ok(RELEASE, { m: 'h100', a: '59.00' }, keys['b1']!)).toEqual({
      releaseBuyingPower: { available: '200.000000' },
    });
    await eventually(account, { balance: '759.000000', held: '200.000000', escrow: '41.000000' });
    const tooMuch = await m.gql(RELEASE, { m: 'h100', a: '200.01' }, keys['b1']!);
    expect(error(tooMuch)).toEqual({ code: 'INSUFFICIENT_FUNDS', field: 'amount' });
    expect(tooMuch.errors?.[0]?.extensions?.['available']).toBe('200.000000');
    expect(await m.ok(RELEASE, { m: 'h100' }, keys['b1']!)).toEqual({
      releaseBuyingPower: { available: '0.000000' },
    });
    await eventually(account, { balance: '959.000000', held: '0.000000', escrow: '41.000000' });
    expect(error(await m.gql(RELEASE, { m: 'h100' }, keys['b1']!))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'marketId',
    });
  });

  it('comes back whole when the market closes, with what resting bids on it held', async () => {
    await m.ok(ALLOT, { m: 'h100', a: '100.00' }, keys['b1']!);
    expect((await bid({ gpus: 1, hours: 10, price: '1.00' })).data?.placeOrder).toMatchObject({
      status: 'OPEN',
    });
    expect(await power()).toBe('89.750000');
    await m.ok(`mutation { closeMarket(marketId: "h100") { status } }`);
    await eventually(power, '0.000000');
    await eventually(account, { balance: '959.000000', held: '0.000000', escrow: '41.000000' });
    expect(error(await m.gql(ALLOT, { m: 'h100', a: '1.00' }, keys['b1']!))).toEqual({
      code: 'MARKET_CLOSED',
      field: 'marketId',
    });
  });
});
