import type { Marketplace } from './marketplace';

/** The error codes of a GraphQL answer, in order. */
export const codesOf = (r: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  (r.errors ?? []).map((e) => String(e.extensions?.['code']));

/**
 * A market with a buyer (an account API key) and a provider's node (a worker credential), and a
 * log made long by `deposits` deposits of 1.00 to the buyer, sent `batch` at a time: what the
 * rebuild specs keep using while the read models are refolded.
 */
export async function keyHoldersWithLongLog(
  m: Marketplace,
  deposits: number,
  batch: number,
): Promise<{ buyer: string; worker: string }> {
  await m.ok(
    `mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
  );
  const buyer = await m.account('b1', ['buyer'], '1.00');
  const provider = await m.account('p1', ['provider']);
  const reg = await m.ok<{ registerNode: { credential: string } }>(
    `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { credential } }`,
    { i: { marketId: 'h100', gpuModel: 'H100-80GB', gpus: 8, region: 'eu', nodeId: 'n1' } },
    provider,
  );
  for (let i = 0; i < deposits; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, deposits - i) }, (_, j) =>
        m.ok(`mutation { deposit(accountId: "b1", amount: "1.00", idempotencyKey: "d-${i + j}") { id } }`),
      ),
    );
  }
  return { buyer, worker: reg.registerNode.credential };
}

/** The buyer's balance (`ok <balance>`), or the codes it was answered with. */
export async function asBuyer(m: Marketplace, buyer: string): Promise<string> {
  const r = await m.gql<{ me: { id: string; balance: string } }>(`{ me { id balance } }`, {}, buyer);
  return r.data?.me ? `ok ${r.data.me.balance}` : codesOf(r).join(',');
}

/** A heartbeat for a session that does not exist: past authentication it is NOT_FOUND or similar. */
export async function asWorker(m: Marketplace, worker: string): Promise<string> {
  const r = await m.gql(`mutation { heartbeat(sessionId: "no-session") { status } }`, {}, worker);
  return codesOf(r).join(',') || 'ok';
}
