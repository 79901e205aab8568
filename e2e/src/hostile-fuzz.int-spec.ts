// The hostile suite (issue 11): every argument of every query, mutation and subscription of the
// schema, fuzzed from the schema itself (e2e/src/support/fuzz/cases.ts), over HTTP and graphql-ws,
// against the whole marketplace on a real broker and Redis. Bounded: one pass over the cases.
//
// Invariants, for every request: an answer (within 15 s), HTTP status under 500, every error with
// a code, never INTERNAL_SERVER_ERROR or TIMEOUT, never a stack trace, never a message that holds
// a control character or runs past MAX_MESSAGE (the caller's junk handed back). For every refused
// mutation: the read models are exactly as before it. Afterwards: every service healthy (no projection
// stopped), the ledger balanced, and every read model equal to its rebuild from Kafka.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { Client, createClient } from 'graphql-ws';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { settlementReadModel as rm } from '@gpux/contracts';
import { FuzzCase, casesOfSchema } from './support/fuzz/cases';
import { knownScalar } from './support/fuzz/hostile-values';
import { GraphQLResponse, Marketplace, REPO_ROOT, SERVICES } from './support/marketplace';
import {
  differences,
  readModels as readModelsOf,
  sameModels,
  settledModels as settledModelsOf,
} from './support/read-models';

const REQUEST_TIMEOUT_MS = 15_000;
const QUERY_CONCURRENCY = 8;
/** The longest error message: the longest a refusal needs, and far less than the junk a fuzz sends. */
const MAX_MESSAGE = 1_000;
/** Codes that must never reach a client, whatever it sends. */
const NEVER = new Set(['INTERNAL_SERVER_ERROR', 'TIMEOUT']);
/**
 * Refusals that record something by design: none. A bid its buyer cannot fund is refused by
 * settlement before the market sees it (docs/event-flows.md), so INSUFFICIENT_FUNDS, like every
 * other refusal, must change nothing.
 */
const RECORDING_REFUSALS = new Set<string>();

type Answer = { status: number; body: GraphQLResponse } | { failed: string };

/** What is wrong with an answer, if anything. */
function problemsOf(answer: Answer): string[] {
  if ('failed' in answer) return [answer.failed];
  const out: string[] = [];
  if (answer.status >= 500) out.push(`HTTP ${answer.status}`);
  const { body } = answer;
  if (!body || typeof body !== 'object' || (!('data' in body) && !body.errors?.length))
    out.push(`no data and no errors: ${JSON.stringify(body).slice(0, 200)}`);
  for (const e of body?.errors ?? []) {
    const code = e.extensions?.['code'];
    if (typeof code !== 'string') out.push(`an error without a code: ${JSON.stringify(e).slice(0, 200)}`);
    else if (NEVER.has(code)) out.push(`${code}: ${e.message}`);
    else if (code === 'BAD_USER_INPUT' && typeof e.extensions?.['field'] !== 'string')
      out.push(`BAD_USER_INPUT without the field at fault: ${e.message.slice(0, 200)}`);
    if (e.extensions && 'stacktrace' in e.extensions) out.push('a stack trace in extensions');
    if (/\n\s+at /.test(e.message)) out.push(`a stack trace in the message: ${e.message.slice(0, 200)}`);
    // A refusal says what is wrong; it never hands the caller's junk back raw.
    else if (/\p{Cc}/u.test(e.message))
      out.push(`a control character in the message: ${JSON.stringify(e.message.slice(0, 200))}`);
    if (e.message.length > MAX_MESSAGE)
      out.push(`a message of ${e.message.length} characters: ${JSON.stringify(e.message.slice(0, 200))}`);
  }
  return out;
}

const codesOf = (a: Answer) =>
  'failed' in a ? [] : (a.body.errors ?? []).map((e) => String(e.extensions?.['code']));
const describeCase = (c: FuzzCase) => `${c.kind} ${c.field} ${c.at}=${c.what}`;

describe('the hostile suite: every argument of the schema, fuzzed', () => {
  let m: Marketplace;
  let redis: Redis;
  const keys: Record<'admin' | 'buyer' | 'provider' | 'worker', string> = {
    admin: '',
    buyer: '',
    provider: '',
    worker: '',
  };
  const ids: Record<string, string> = { accountId: 'fz-buyer', marketId: 'fz-m', nodeId: 'fz-node' };
  let counter = 0;

  beforeAll(async () => {
    m = await Marketplace.start();
    redis = new Redis(m.redisUrl, { maxRetriesPerRequest: 1 });
    keys.admin = m.adminKey;
    await m.ok(
      `mutation { openMarket(input: { marketId: "fz-m", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    keys.buyer = await m.account('fz-buyer', ['buyer'], '1000.00');
    keys.provider = await m.account('fz-prov', ['provider']);
    const reg = await m.ok<{ registerNode: { credential: string } }>(
      `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { credential } }`,
      { i: { marketId: 'fz-m', gpuModel: 'H100-80GB', gpus: 8, region: 'eu', nodeId: 'fz-node' } },
      keys.provider,
    );
    keys.worker = reg.registerNode.credential;
    await m.ok(`mutation { markNodeCertified(nodeId: "fz-node", tflopsPerGpu: 50) { status } }`);
    await m.ok(
      `mutation { placeOrder(input: { marketId: "fz-m", side: ASK, gpus: 4, hours: 2, price: "3.00", nodeId: "fz-node", clientOrderId: "fz-ask" }) { id } }`,
      {},
      keys.provider,
    );
    const bid = await m.ok<{ placeOrder: { id: string } }>(
      `mutation { placeOrder(input: { marketId: "fz-m", side: BID, gpus: 1, hours: 1, price: "1.00", clientOrderId: "fz-bid" }) { id } }`,
      {},
      keys.buyer,
    );
    ids['orderId'] = bid.placeOrder.id;
    const key = await m.ok<{ createApiKey: { keyId: string } }>(
      `mutation { createApiKey(accountId: "fz-buyer", roles: [BUYER]) { keyId } }`,
    );
    ids['keyId'] = key.createApiKey.keyId;
  }, 180_000);

  afterAll(async () => {
    redis?.disconnect();
    await m?.stop();
  });

  async function post(c: Pick<FuzzCase, 'query' | 'variables'>, key: string | null): Promise<Answer> {
    try {
      const response = await fetch(m.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query: c.query, variables: c.variables }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      try {
        return { status: response.status, body: JSON.parse(text) as GraphQLResponse };
      } catch {
        return { failed: `HTTP ${response.status}, not JSON: ${text.slice(0, 200)}` };
      }
    } catch (error) {
      return { failed: `no answer: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /**
   * Every read model's content, canonical (hash fields sorted, sets sorted): the projections' keys
   * only, not the runners' bookkeeping (checkpoints move on every event, a CommandRejected too),
   * command outcomes (a refused command's outcome is its answer), senders' idempotency records,
   * live heartbeats or the gateway's rate limiter.
   */
  const readModels = () => readModelsOf(redis);
  const settledModels = (timeoutMs?: number) => settledModelsOf(redis, timeoutMs);

  /** The key a field is meant for: the first whose baseline is not refused for who sent it. */
  async function keyFor(c: FuzzCase): Promise<string | null> {
    for (const who of ['worker', 'provider', 'buyer', 'admin'] as const) {
      const codes = codesOf(await post(c, keys[who]));
      if (!codes.includes('UNAUTHENTICATED') && !codes.includes('FORBIDDEN')) return keys[who];
    }
    return keys.admin;
  }

  it('answers every hostile request with a clear error or a result, changes nothing it refuses, and leaves every model healthy and rebuildable', async () => {
    const schema = buildSchema(readFileSync(join(REPO_ROOT, 'services/gateway/schema.graphql'), 'utf8'));
    const unknownScalars = Object.values(schema.getTypeMap()).filter(
      (t) => !t.name.startsWith('__') && 'serialize' in t && !('getValues' in t) && !knownScalar(t.name),
    );
    // A new scalar needs its own hostile values in cases.ts before it can be fuzzed.
    expect(unknownScalars.map((t) => t.name)).toEqual([]);
    const cases = casesOfSchema(schema, {
      ids,
      strings: {
        amount: '1.00',
        price: '1.00',
        tickSize: '0.01',
        owner: 'fuzz',
        gpuClass: 'H100-80GB',
        gpuModel: 'H100-80GB',
        region: 'eu',
        adapter: 'fuzz',
      },
      numbers: {
        gpus: 1,
        hours: 1,
        feeRateBps: 100,
        minTflopsPerGpu: 1,
        tflopsPerGpu: 50,
        claimedTflops: 1,
        first: 5,
      },
      unique: () => `fz-${++counter}`,
    });
    const bad: string[] = [];
    const codes = new Map<string, number>();
    const count = (answer: Answer) => {
      for (const code of codesOf(answer)) codes.set(code, (codes.get(code) ?? 0) + 1);
      if (!('failed' in answer) && !answer.body.errors?.length)
        codes.set('(result)', (codes.get('(result)') ?? 0) + 1);
    };
    let requests = 0;
    const unprocessable: string[] = [];
    const started = Date.now();
    const phase = (name: string) =>
      process.stderr.write(`[hostile] ${name} done at ${Math.round((Date.now() - started) / 1000)} s\n`);

    const byField = new Map<string, FuzzCase[]>();
    for (const c of cases)
      byField.set(`${c.kind} ${c.field}`, [...(byField.get(`${c.kind} ${c.field}`) ?? []), c]);
    const keyOf = new Map<string, string | null>();
    for (const [name, fieldCases] of byField)
      if (!name.startsWith('subscription')) keyOf.set(name, await keyFor(fieldCases[0]!));
    requests += keyOf.size * 2;

    // Mutations one at a time: a refused one must leave every read model as it was.
    let before = await settledModels();
    let refusedChecked = 0;
    // Mutations that take something away (close a market, revoke or rotate a key) go last, so the
    // others meet an open market and valid keys.
    const destructive = (c: FuzzCase) => /^(close|revoke|rotate)/.test(c.field);
    const mutations = cases.filter((x) => x.kind === 'mutation');
    for (const c of [...mutations.filter((x) => !destructive(x)), ...mutations.filter(destructive)]) {
      const answer = await post(c, keyOf.get(`${c.kind} ${c.field}`) ?? keys.admin);
      requests++;
      count(answer);
      bad.push(...problemsOf(answer).map((p) => `${describeCase(c)}: ${p}`));
      if (codesOf(answer).includes('UNPROCESSABLE')) unprocessable.push(describeCase(c));
      const refused = !('failed' in answer) && (answer.body.errors?.length ?? 0) > 0;
      if (refused && !codesOf(answer).some((code) => RECORDING_REFUSALS.has(code))) {
        const after = await readModels();
        if (!sameModels(before, after)) {
          // Everything accepted before had settled: a change now is this refused request's.
          const settled = await settledModels();
          bad.push(
            `${describeCase(c)}: refused with ${codesOf(answer)} but changed ${differences(before, settled).join('; ')}`,
          );
          before = settled;
        }
        refusedChecked++;
      } else {
        before = await settledModels();
      }
    }

    phase('mutations over HTTP');
    // Queries over HTTP, with the field's key and without any, several at a time.
    const queries = cases.filter((x) => x.kind === 'query');
    const jobs = queries.flatMap((c) => [
      { c, key: keyOf.get(`query ${c.field}`) ?? keys.admin },
      { c, key: null },
    ]);
    for (let i = 0; i < jobs.length; i += QUERY_CONCURRENCY) {
      const batch = jobs.slice(i, i + QUERY_CONCURRENCY);
      const answers = await Promise.all(batch.map(({ c, key }) => post(c, key)));
      requests += batch.length;
      answers.forEach((a, j) => {
        count(a);
        bad.push(
          ...problemsOf(a).map(
            (p) => `${describeCase(batch[j]!.c)} (HTTP${batch[j]!.key ? '' : ', no key'}): ${p}`,
          ),
        );
      });
    }

    phase('queries over HTTP');
    // Queries and subscriptions over graphql-ws, on a socket with a key and on one without.
    const wsUrl = `${m.url.replace(/^http/, 'ws')}`;
    const socket = (key: string | null): Client =>
      createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: key ? { authorization: `Bearer ${key}` } : {},
        retryAttempts: 0,
        lazy: true,
      });
    const overWs = (client: Client, c: FuzzCase): Promise<Answer> =>
      new Promise((resolve) => {
        let done = false;
        const finish = (a: Answer) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          stop();
          resolve(a);
        };
        // A subscription that is accepted sends nothing until its market moves: accepted is fine.
        const timer = setTimeout(
          () =>
            finish(
              c.kind === 'subscription'
                ? { status: 200, body: { data: { accepted: true } } }
                : { failed: 'no answer over graphql-ws' },
            ),
          c.kind === 'subscription' ? 300 : REQUEST_TIMEOUT_MS,
        );
        const stop = client.subscribe(
          { query: c.query, variables: c.variables },
          {
            next: (value) => finish({ status: 200, body: value as GraphQLResponse }),
            error: (error) =>
              finish(
                Array.isArray(error)
                  ? { status: 200, body: { errors: error } as GraphQLResponse }
                  : {
                      failed: `socket error: ${error instanceof Error ? error.message : JSON.stringify(error)?.slice(0, 200)}`,
                    },
              ),
            complete: () => finish({ status: 200, body: { data: { completed: true } } }),
          },
        );
      });
    const wsCases = cases.filter((x) => x.kind !== 'mutation');
    for (const who of ['buyer', null] as const) {
      const client = socket(who ? keys[who] : null);
      try {
        for (let i = 0; i < wsCases.length; i += QUERY_CONCURRENCY) {
          const batch = wsCases.slice(i, i + QUERY_CONCURRENCY);
          const answers = await Promise.all(batch.map((c) => overWs(client, c)));
          requests += batch.length;
          answers.forEach((a, j) => {
            count(a);
            bad.push(
              ...problemsOf(a).map(
                (p) => `${describeCase(batch[j]!)} (graphql-ws${who ? '' : ', no key'}): ${p}`,
              ),
            );
          });
        }
      } finally {
        await client.dispose();
      }
    }

    process.stderr.write(
      `[hostile] ${requests} requests (${cases.length} cases: ${cases.filter((c) => c.kind === 'mutation').length} mutations, ${queries.length} queries, ${cases.filter((c) => c.kind === 'subscription').length} subscriptions), ${refusedChecked} refused mutations checked to change nothing; answers: ${JSON.stringify(Object.fromEntries([...codes].sort()))}; dead-lettered (UNPROCESSABLE): ${JSON.stringify(unprocessable)}\n`,
    );
    expect(bad).toEqual([]);

    // Every service is healthy: no projection stopped on a poison batch, nothing crashed.
    for (const name of SERVICES) {
      const health = await fetch(`http://127.0.0.1:${await m.service(name).port}/health`);
      expect({ name, status: health.status }).toEqual({ name, status: 200 });
    }

    // The ledger balances: Σ accounts + clearing = deposits − withdrawals.
    const settled = await settledModels();
    const totals = JSON.parse(settled.get(rm.totals) ?? '[]') as [string, string][];
    const total = (f: string) => Number(totals.find(([k]) => k === f)?.[1] ?? 0);
    let sum = total('clearing');
    for (const [key, value] of settled) {
      // An account's own hash is the prefix and one caller segment (`<length>.<id>`), nothing after.
      const segment = /^(\d+)\./.exec(key.slice(rm.accountsPrefix.length));
      if (
        !key.startsWith(rm.accountsPrefix) ||
        !segment ||
        key.length !== rm.accountsPrefix.length + segment[0].length + Number(segment[1])
      )
        continue;
      for (const [field, amount] of JSON.parse(value) as [string, string][])
        if (['balance', 'held', 'escrow'].includes(field)) sum += Number(amount);
    }
    expect(sum).toBe(total('deposits') - total('withdrawals'));

    // Every read model equals its rebuild from Kafka: flush Redis, let every runner refold.
    await redis.flushall();
    const deadline = Date.now() + 60_000;
    let rebuilt = await settledModels();
    while (!sameModels(settled, rebuilt) && Date.now() < deadline) rebuilt = await settledModels();
    expect(differences(settled, rebuilt)).toEqual([]);
  }, 600_000);
});
