#!/usr/bin/env node
// What a newcomer sees after `npm start`, checked: every service's /health answers 200, the demo
// market's book answers through GraphQL (one resting bid of 1 GPU at 2.40, 2 GPUs left at 2.50:
// the demo was applied once, however often `npm start` ran), the buyer's deposit is in the ledger
// once, and the local node reaches CERTIFIED through the worker's real challenge, with its worker online. Exits 0, or 1
// with one line per failed check (2: an argument; it takes none but --help). Used by CI (infra/scripts/newcomer-check.sh); run it by hand
// against a running `npm start` the same way:
//
//   node infra/scripts/smoke.js            (reads the admin key from .run/admin-api-key)
//
// With the same GPUX_RUN_DIR and GPUX_<SERVICE>_PORT variables as the `npm start` it checks
// (GPUX_GATEWAY_PORT 4000, GPUX_ORDERS_PORT 4101, GPUX_PRICING_PORT 4102, GPUX_SETTLEMENT_PORT
// 4103, GPUX_CAPACITY_PORT 4104 by default; GATEWAY_URL, if set, is the GraphQL URL used as given).
// A port not given is the one the run folder's start kept (ports.env), as `npm run stop` finds it.
// SMOKE_CERTIFY_TIMEOUT_MS bounds the wait for the certification (default 300000).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ports = require('./ports');

const runDir = ports.runDir();

const USAGE = `usage: node infra/scripts/smoke.js
Checks a running \`npm start\` (run folder ${runDir}): every /health, the demo market's book through
GraphQL, the demo buyer's one deposit, and the local node CERTIFIED by its worker. It takes no
arguments: the environment says where to look (GPUX_RUN_DIR, GPUX_<SERVICE>_PORT, GATEWAY_URL,
GRAPHQL_PATH, ADMIN_API_KEY, SMOKE_CERTIFY_TIMEOUT_MS), as for the npm start it checks; a port not
given is the one that start kept in the run folder (ports.env), else the default.
Exits 0 when every check passes, 1 with one line per failed check, 2 on a wrong argument.`;

// Arguments: none but --help. Anything else is refused, not ignored: the check would run
// against other ports or another run folder than the one that was meant.
for (const arg of process.argv.slice(2)) {
  if (arg === '--help' || arg === '-h') {
    console.log(USAGE);
    process.exit(0);
  }
  console.error(
    `[smoke] unknown argument ${JSON.stringify(arg)}: smoke.js takes no arguments (only --help); ` +
      'it reads where to look from GPUX_RUN_DIR, GPUX_<SERVICE>_PORT, GATEWAY_URL and ADMIN_API_KEY, as npm start does',
  );
  process.exit(2);
}

/**
 * The port of a service, from its GPUX_<NAME>_PORT as infra/scripts/lib.sh reads it: the
 * environment's, else the run folder's ports.env, else the default (ports.js); exits 2 on a bad
 * one. Without ports.env a start on moved ports was checked at the default ones (another
 * checkout's stack, perhaps) with this run folder's admin key.
 */
function port(name, fallback) {
  return ports.port(`GPUX_${name.toUpperCase()}_PORT`, fallback, (message) => {
    console.error(`[smoke] ${message}`);
    process.exit(2);
  });
}

const HEALTH = [
  ['gateway', port('gateway', 4000)],
  ['orders', port('orders', 4101)],
  ['pricing', port('pricing', 4102)],
  ['settlement', port('settlement', 4103)],
  ['capacity', port('capacity', 4104)],
];
const GATEWAY =
  process.env.GATEWAY_URL || `http://127.0.0.1:${HEALTH[0][1]}${process.env.GRAPHQL_PATH || '/graphql'}`;
const CERTIFY_TIMEOUT_MS = Number(process.env.SMOKE_CERTIFY_TIMEOUT_MS || 300_000);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (line) => console.log(`[smoke] ${line}`);

function adminKey() {
  if (process.env.ADMIN_API_KEY) return process.env.ADMIN_API_KEY;
  const file = path.join(runDir, 'admin-api-key');
  if (!fs.existsSync(file))
    throw new Error(`no admin key: ${file} is missing and ADMIN_API_KEY is not set (is npm start running?)`);
  return fs.readFileSync(file, 'utf8').trim();
}

/** Nothing answered at a port: what a stopped (or not yet started) stack looks like. */
class NotAnswering extends Error {}
const START_HINT = "is npm start running? ('npm start -- --detach' starts it in the background)";
/** Why a fetch got no answer, in words: fetch's own 'fetch failed' says nothing of it. */
const noAnswer = (error) => error.cause?.code ?? error.cause?.message ?? error.message;

async function gql(query, variables = {}) {
  const response = await fetch(GATEWAY, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey()}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  }).catch((error) => {
    throw new NotAnswering(`nothing answers at ${GATEWAY} (${noAnswer(error)}): ${START_HINT}`);
  });
  const body = await response.json();
  if (body.errors?.length)
    throw new Error(body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  return body.data;
}

async function health() {
  for (const [name, port] of HEALTH) {
    const response = await fetch(`http://127.0.0.1:${port}/health`, {
      signal: AbortSignal.timeout(5_000),
    }).catch((error) => {
      throw new NotAnswering(`nothing answers on :${port} for ${name} (${noAnswer(error)}): ${START_HINT}`);
    });
    if (response.status !== 200) {
      // What is down, as the service says it: a dependency, a projection, or `startup` (its
      // consumers still joining their groups: it answers HTTP before it is ready).
      const body = await response.json().catch(() => ({}));
      const down = Object.entries(body.error ?? {})
        .map(([check, { message }]) => (message ? `${check}: ${message}` : check))
        .join('; ');
      throw new Error(
        `${name} /health on :${port} answered ${response.status}, not 200${down ? ` (${down})` : ''}`,
      );
    }
  }
  return `${HEALTH.length} services healthy`;
}

const levels = (side) => side.map((l) => `${l.gpus}@${Number(l.price).toFixed(2)}`).join(',');

async function book() {
  const { market } = await gql('{ market(id: "h100") { book { bids { price gpus } asks { price gpus } } } }');
  if (!market) throw new Error('market h100 does not exist: the demo did not run');
  const bids = levels(market.book.bids);
  const asks = levels(market.book.asks);
  // The demo rests a bid of 1 GPU at 2.40 and leaves 2 of its 4 asked GPUs at 2.50; a second
  // application of the demo would show more.
  if (bids !== '1@2.40' || asks !== '2@2.50')
    throw new Error(`book of h100 is bids [${bids}] asks [${asks}], expected bids [1@2.40] asks [2@2.50]`);
  return `h100 book: bids [${bids}] asks [${asks}]`;
}

async function deposit() {
  const { account } = await gql(
    '{ account(id: "demo-buyer") { balance ledger(first: 100) { edges { node { kind reference } } } } }',
  );
  if (!account) throw new Error('account demo-buyer does not exist');
  const deposits = account.ledger.edges.filter(
    (e) => e.node.kind === 'DEPOSIT' && e.node.reference === 'demo deposit',
  ).length;
  if (deposits !== 1)
    throw new Error(`demo-buyer has ${deposits} demo deposits in its ledger, expected exactly 1`);
  return `demo-buyer: one deposit, balance ${account.balance}`;
}

async function certified() {
  const deadline = Date.now() + CERTIFY_TIMEOUT_MS;
  let last;
  while (Date.now() < deadline) {
    const { gpuNode: node } = await gql('{ gpuNode(id: "demo-local-node") { status tflopsPerGpu online } }');
    last = node;
    if (node?.status === 'CERTIFIED' && node.online)
      return `demo-local-node CERTIFIED at ${node.tflopsPerGpu} TFLOP/s per GPU, online ${node.online}`;
    await sleep(2_000);
  }
  throw new Error(
    `demo-local-node is ${last ? last.status : 'missing'} (online: ${last?.online}) after ${CERTIFY_TIMEOUT_MS / 1000}s, not CERTIFIED and online (worker log: ${path.join(runDir, 'logs/gpu-worker.log')})`,
  );
}

async function main() {
  const failures = [];
  for (const check of [health, book, deposit, certified]) {
    try {
      say(`ok: ${await check()}`);
    } catch (error) {
      failures.push(`${check.name}: ${error.message}`);
      say(`FAILED ${check.name}: ${error.message}`);
      // With nothing answering, every later check would fail the same way: said once is enough.
      if (error instanceof NotAnswering) break;
    }
  }
  process.exit(failures.length === 0 ? 0 : 1);
}

main();
