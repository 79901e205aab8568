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

/**
 * The buyer's balance (`ok <balance>`), or the codes it was answered with. An UNAVAILABLE answer
 * also says so over HTTP (503 with Retry-After: api/unavailable.ts); one that does not is told
 * apart, with its status.
 */
export async function asBuyer(m: Marketplace, buyer: string): Promise<string> {
  const response = await fetch(m.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${buyer}` },
    body: JSON.stringify({ query: `{ me { id balance } }` }),
  });
  const r = (await response.json()) as {
    data?: { me?: { id: string; balance: string } | null } | null;
    errors?: { extensions?: Record<string, unknown> }[];
  };
  if (r.data?.me) return `ok ${r.data.me.balance}`;
  const codes = codesOf(r).join(',');
  const retryAfter = response.headers.get('retry-after');
  return codes === 'UNAVAILABLE' && (response.status !== 503 || retryAfter === null)
    ? `${codes} (HTTP ${response.status}, Retry-After ${retryAfter})`
    : codes;
}

/** A heartbeat for a session that does not exist: past authentication it is NOT_FOUND or similar. */
export async function asWorker(m: Marketplace, worker: string): Promise<string> {
  const r = await m.gql(`mutation { heartbeat(sessionId: "no-session") { status } }`, {}, worker);
  return codesOf(r).join(',') || 'ok';
}
