#!/usr/bin/env node
// The demo market of `npm start`: through the GraphQL API and the admin key, it opens market h100
// (H100-80GB, at least 40 certified TFLOP/s per GPU, tick 0.01, fee 2.5 %), a provider and a buyer
// account with fresh API keys (printed), a deposit, a node of the provider marked certified by the
// admin (a real gpu-worker will certify it once it joins), an ask and a bid that trade, and a bid
// that rests; then one line of the market's prices. Safe to run again: every command carries an
// idempotency key or is skipped when its result exists, so a restart creates nothing twice. The
// accounts' API keys are kept in the run folder (demo-api-keys.json, demo-keys.js): a restart
// prints the same ones while they still work, and mints new ones only where they do not.
//
//   GATEWAY_URL=http://127.0.0.1:4000/graphql ADMIN_API_KEY=… node infra/scripts/demo.js
//
// Without GATEWAY_URL: the gateway of `npm start` on this machine, at GPUX_GATEWAY_PORT (not given:
// the port the run folder's start kept in ports.env, as `npm run stop` finds it; else 4000).
// It takes no arguments but --help. Exits 0 when the demo is set up, 1 when the gateway cannot be
// reached or refuses, 2 on an argument or a variable it cannot use (before it asks the gateway
// anything, so nothing is created).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ports = require('./ports');
const demoKeys = require('./demo-keys');

const DEFAULT_URL = 'http://127.0.0.1:4000/graphql';
/**
 * The URL used without GATEWAY_URL, unchecked, for --help: where this run would go (a start on
 * moved ports included), not the default it may not be.
 */
const LOCAL_URL = `http://127.0.0.1:${ports.lookupPort('GPUX_GATEWAY_PORT', 4000).value}${process.env.GRAPHQL_PATH || '/graphql'}`;
const USAGE = `usage: node infra/scripts/demo.js
Sets up the demo market of \`npm start\` through the gateway's GraphQL API with the admin key: market
h100 with account demo-provider (its node demo-h100-node-1, certified by the admin, and an ask) and
account demo-buyer (a deposit, a bid that trades and one that rests), market local-webgpu with node
demo-local-node, then prints the accounts' API keys and the market's prices. Safe to run again:
nothing is created twice; the API keys are kept in the run folder's demo-api-keys.json and
printed again while they work (new ones are made only where they do not). It takes no arguments; it reads
ADMIN_API_KEY (the gateway's admin key; npm start makes one in .run/admin-api-key), GATEWAY_URL
(unset: ${LOCAL_URL}, from GPUX_GATEWAY_PORT, else the port kept in the run
folder's ports.env, else 4000, and GRAPHQL_PATH) and
DEMO_NODE_CREDENTIAL_FILE (where demo-local-node's credential is written; unset: not set up).
Exits 0 when set up, 1 when the gateway cannot be reached or refuses, 2 on a wrong argument or variable.`;

/** A command line or a variable the demo cannot use: one line that says what to fix, exit 2. */
function refuse(message) {
  console.error(`[demo] ${message}`);
  process.exit(2);
}

// Arguments: none but --help, which wins wherever it is. Anything else is refused, not ignored:
// a run may create API keys.
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
if (args.length > 0)
  refuse(
    `unknown argument ${JSON.stringify(args[0])}: demo.js takes no arguments (only --help); ` +
      'it reads ADMIN_API_KEY, GATEWAY_URL and DEMO_NODE_CREDENTIAL_FILE, as npm start sets them',
  );

/**
 * The gateway's GraphQL URL: GATEWAY_URL as given, else npm start's gateway on this machine, where
 * that start runs it (ports.js: a start on moved ports keeps them in the run folder's ports.env).
 */
function gatewayUrl() {
  let url = process.env.GATEWAY_URL;
  let from = 'GATEWAY_URL';
  if (!url) {
    const port = ports.port('GPUX_GATEWAY_PORT', 4000, refuse);
    const graphqlPath = process.env.GRAPHQL_PATH || '/graphql';
    if (!graphqlPath.startsWith('/'))
      refuse(`GRAPHQL_PATH must be a path that starts with /, like /graphql (it is '${graphqlPath}')`);
    url = `http://127.0.0.1:${port}${graphqlPath}`;
    from = 'the URL made of GPUX_GATEWAY_PORT and GRAPHQL_PATH';
  }
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || !parsed.hostname)
    refuse(
      `${from} must be an http(s) URL of the gateway's GraphQL endpoint, like the default ${DEFAULT_URL} (it is ${JSON.stringify(url)})`,
    );
  return url;
}

/**
 * DEMO_NODE_CREDENTIAL_FILE, checked before anything is created: its folder must exist (the demo
 * makes none) and the path must not be a folder.
 */
function credentialFile() {
  const file = process.env.DEMO_NODE_CREDENTIAL_FILE;
  if (!file) return undefined;
  const what = `DEMO_NODE_CREDENTIAL_FILE (where the demo writes demo-local-node's credential for its worker) is ${JSON.stringify(file)}`;
  const dir = path.dirname(path.resolve(file));
  let stat;
  try {
    stat = fs.statSync(dir);
  } catch {
    refuse(
      `${what}, but its folder ${dir} does not exist: create it, or name a file in a folder that exists`,
    );
  }
  if (!stat.isDirectory()) refuse(`${what}, but ${dir} is not a folder: name a file in a folder`);
  if (!fs.existsSync(file)) {
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch (error) {
      refuse(
        `${what}, but its folder ${dir} cannot be written (${error.code}): name a file in a folder you can write`,
      );
    }
  } else if (fs.statSync(file).isDirectory())
    refuse(
      `${what}, which is a folder: name a file in it, such as ${path.join(file, 'demo-node-credential')}`,
    );
  return file;
}

const URL_ = gatewayUrl();
const ADMIN = process.env.ADMIN_API_KEY;
if (!ADMIN) {
  // npm start's key, as start.sh makes it: GPUX_RUN_DIR (.run of this checkout)/admin-api-key.
  const keyFile = path.join(ports.runDir(), 'admin-api-key');
  refuse(
    `ADMIN_API_KEY is not set: set it to the admin key the gateway was started with (npm start makes one in ${keyFile}: ` +
      `ADMIN_API_KEY=$(cat ${keyFile}) node infra/scripts/demo.js; docker compose sets its own)`,
  );
}
const MARKET = 'h100';
const PROVIDER = 'demo-provider';
const BUYER = 'demo-buyer';
const NODE = 'demo-h100-node-1';
const DEPOSIT = '10000.00';
// The machine's own adapter (lavapipe here, a GPU elsewhere) sells in a market of its own: its
// worker, started by `npm start`, certifies it through a real challenge.
const LOCAL_MARKET = 'local-webgpu';
const LOCAL_NODE = 'demo-local-node';
const CREDENTIAL_FILE = credentialFile();

class ApiError extends Error {
  constructor(errors) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
    this.code = errors[0]?.extensions?.code;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One GraphQL operation. Right after `npm start` the services may still be taking their
 * partitions: a TIMEOUT, an UNAVAILABLE or a refused connection is retried (with the same
 * idempotency key).
 */
async function gql(query, variables = {}, key = ADMIN) {
  for (let attempt = 1; ; attempt++) {
    let body;
    try {
      const response = await fetch(URL_, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      body = await response.json();
    } catch (error) {
      // fetch's own 'fetch failed' says nothing: its cause (ECONNREFUSED, ENOTFOUND…) does.
      const why = error.cause?.code ?? error.cause?.message ?? error.message;
      if (attempt >= 10)
        throw new Error(`cannot reach ${URL_} (${why}): is the gateway running? (npm start starts it)`);
      await sleep(1000);
      continue;
    }
    if (!body.errors?.length) return body.data;
    const failure = new ApiError(body.errors);
    // TIMEOUT: no outcome yet; UNAVAILABLE: Kafka or Redis not reachable yet. Both are retried
    // as the same request, after the wait the answer gives (a mutation's key makes it happen once).
    if (!['TIMEOUT', 'UNAVAILABLE'].includes(failure.code) || attempt >= 5) throw failure;
    await sleep(Math.max(1000, Number(body.errors[0]?.extensions?.retryAfterMs) || 0));
  }
}

/** Runs a command whose repetition is refused with ALREADY_EXISTS: true when it did something. */
async function once(query, variables, key) {
  try {
    await gql(query, variables, key);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'ALREADY_EXISTS') return false;
    throw error;
  }
}

const OPEN_ACCOUNT =
  'mutation($id: ID!, $owner: String!) { openAccount(accountId: $id, owner: $owner) { id } }';

const KEYS_FILE = demoKeys.keysFile(ports.runDir());
const keptKeys = demoKeys.readKept(KEYS_FILE);

/** The account a key is of (`me`), or null when the gateway refuses the key (unknown or revoked). */
async function whoAmI(key) {
  try {
    return (await gql('{ me { id } }', {}, key)).me?.id ?? null;
  } catch (error) {
    if (error instanceof ApiError && ['UNAUTHENTICATED', 'FORBIDDEN'].includes(error.code)) return null;
    throw error;
  }
}

/** The account, opened once, and its key: the one kept from an earlier run while it works, else a new one. */
async function account(id, owner, roles) {
  const opened = await once(OPEN_ACCOUNT, { id, owner });
  const { key, reused } = await demoKeys.demoKey(id, roles, keptKeys[id], {
    whoAmI,
    mint: async () =>
      (
        await gql(
          'mutation($id: ID!, $roles: [AccountRole!]!) { createApiKey(accountId: $id, roles: $roles) { key } }',
          { id, roles },
        )
      ).createApiKey.key,
  });
  if (!reused) {
    keptKeys[id] = { key, roles };
    const why = demoKeys.writeKept(KEYS_FILE, keptKeys);
    if (why)
      console.error(`[demo] cannot keep the API keys in ${KEYS_FILE} (${why}): the next run makes new ones`);
  }
  return { opened, key, reused };
}

/** The buyer's deposit, once: skipped when its ledger shows it, and idempotent by key besides. */
async function deposit(id) {
  for (let after = null; ;) {
    const { account: a } = await gql(
      'query($id: ID!, $after: String) { account(id: $id) { ledger(first: 100, after: $after) { edges { node { kind reference } } pageInfo { endCursor hasNextPage } } } }',
      { id, after },
    );
    if (!a) break;
    if (a.ledger.edges.some((e) => e.node.kind === 'DEPOSIT' && e.node.reference === 'demo deposit'))
      return false;
    if (!a.ledger.pageInfo.hasNextPage) break;
    after = a.ledger.pageInfo.endCursor;
  }
  await gql(
    'mutation($id: ID!, $a: Usd!) { deposit(accountId: $id, amount: $a, reference: "demo deposit", idempotencyKey: "demo-deposit-1") { id } }',
    { id, a: DEPOSIT },
  );
  return true;
}

const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status gpus filledGpus price } }';
const place = async (key, input) => (await gql(PLACE, { i: { marketId: MARKET, ...input } }, key)).placeOrder;
/** "2.500000" as "2.50", "9992.415000" as "9992.415": no zeros past the cents. */
const usd = (amount) => (amount == null ? '–' : amount.replace(/(\.\d\d\d*?)0+$/, '$1'));
const describe = (side, o) =>
  `${side} ${o.gpus} GPU${o.gpus === 1 ? '' : 's'} at ${usd(o.price)}: ${o.status}${o.filledGpus && o.status !== 'FILLED' ? ` (${o.filledGpus} filled)` : ''}`;

/**
 * The local node: registered once; its credential goes to CREDENTIAL_FILE (mode 600) for the
 * worker. When the file is gone but the node exists, the credential is rotated for a new one.
 */
async function localNode(providerKey) {
  await once(
    `mutation { openMarket(input: { marketId: "${LOCAL_MARKET}", gpuClass: "LOCAL-WEBGPU", minTflopsPerGpu: 0.001, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
  );
  if (!CREDENTIAL_FILE) return 'no credential file given (DEMO_NODE_CREDENTIAL_FILE): not set up';
  const { gpuNode: node } = await gql('query($n: ID!) { gpuNode(id: $n) { id } }', { n: LOCAL_NODE });
  // A file left from an event log that was since deleted names a node that no longer exists.
  if (node && fs.existsSync(CREDENTIAL_FILE)) return `registered before; credential in ${CREDENTIAL_FILE}`;
  let credential;
  try {
    const r = await gql(
      'mutation($i: RegisterNodeInput!) { registerNode(input: $i) { credential } }',
      {
        i: { marketId: LOCAL_MARKET, gpuModel: 'LOCAL-WEBGPU', gpus: 1, region: 'local', nodeId: LOCAL_NODE },
      },
      providerKey,
    );
    credential = r.registerNode.credential;
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'ALREADY_EXISTS')) throw error;
    credential = (
      await gql(
        'mutation($n: ID!) { rotateNodeCredential(nodeId: $n) { credential } }',
        { n: LOCAL_NODE },
        providerKey,
      )
    ).rotateNodeCredential.credential;
  }
  try {
    fs.writeFileSync(CREDENTIAL_FILE, credential, { mode: 0o600 });
  } catch (error) {
    // The node's credential is lost with it: the next run, finding no file, rotates it.
    throw new Error(
      `cannot write demo-local-node's credential to DEMO_NODE_CREDENTIAL_FILE ${CREDENTIAL_FILE} (${error.code ?? error.message}): fix the path or its permissions and run the demo again, which gives the node a new credential`,
    );
  }
  return `registered; credential in ${CREDENTIAL_FILE}`;
}

async function main() {
  const marketOpened = await once(
    'mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }',
  );
  // An admin may have closed it since (a closed market does not reopen): said, and traded in no more.
  const { market: h100 } = await gql(`{ market(id: "${MARKET}") { status } }`);
  const marketOpen = h100?.status === 'OPEN';
  const provider = await account(PROVIDER, 'Demo GPU provider', ['PROVIDER']);
  const buyer = await account(BUYER, 'Demo GPU buyer', ['BUYER']);
  const deposited = await deposit(BUYER);

  const registered = await once(
    'mutation($i: RegisterNodeInput!) { registerNode(input: $i) { node { id } } }',
    { i: { marketId: MARKET, gpuModel: 'H100-80GB', gpus: 8, region: 'eu-west', nodeId: NODE } },
    provider.key,
  );
  // Certified by the admin for now (a real gpu-worker proves it later); renewed when it would
  // lapse within a week.
  const { gpuNode: node } = await gql(
    'query($n: ID!) { gpuNode(id: $n) { status certifiedUntil providerId } }',
    {
      n: NODE,
    },
  );
  if (node?.providerId !== PROVIDER)
    throw new Error(`node ${NODE} belongs to ${node?.providerId ?? 'nobody'}, not ${PROVIDER}`);
  const certify =
    node.status !== 'CERTIFIED' || Date.parse(node.certifiedUntil) < Date.now() + 7 * 24 * 3_600_000;
  if (certify)
    await gql('mutation($n: ID!) { markNodeCertified(nodeId: $n, tflopsPerGpu: 51.2) { status } }', {
      n: NODE,
    });

  // The provider offers 4 GPUs for up to 4 hours at 2.50; the buyer takes 2 for an hour at that
  // price, and bids 2.40 for one more, which rests. Placed once: not when the accounts already
  // have orders, and a retry or a quick restart is deduplicated by the clientOrderIds.
  const hasOrders = async (key) =>
    (await gql('{ myOrders(first: 1) { totalCount } }', {}, key)).myOrders.totalCount > 0;
  let orders = 'placed at an earlier start';
  if (!marketOpen) orders = `none placed: the market is ${h100?.status ?? 'missing'}`;
  else if (!(await hasOrders(provider.key)) || !(await hasOrders(buyer.key))) {
    const ask = await place(provider.key, {
      side: 'ASK',
      gpus: 4,
      hours: 4,
      price: '2.50',
      nodeId: NODE,
      clientOrderId: 'demo-ask-1',
    });
    const bid = await place(buyer.key, {
      side: 'BID',
      gpus: 2,
      hours: 1,
      price: '2.50',
      clientOrderId: 'demo-bid-1',
    });
    const resting = await place(buyer.key, {
      side: 'BID',
      gpus: 1,
      hours: 1,
      price: '2.40',
      clientOrderId: 'demo-bid-2',
    });
    const { order: askNow } = await gql(
      'query($id: ID!) { order(id: $id) { id status gpus filledGpus price } }',
      { id: ask.id },
      provider.key,
    );
    orders = `${describe('ask', askNow ?? ask)}; ${describe('bid', bid)}; ${describe('bid', resting)}`;
  }

  // Prices are folded by the pricing service a moment after the trade.
  let ticker;
  for (let i = 0; i < 50; i++) {
    ticker = (await gql('{ market(id: "h100") { ticker { bestBid bestAsk last trades } } }', {}, buyer.key))
      .market.ticker;
    if (!marketOpen || (ticker.last && ticker.bestBid && ticker.bestAsk)) break;
    await sleep(100);
  }
  const { me } = await gql('{ me { balance held escrow } }', {}, buyer.key);
  const local = await localNode(provider.key);

  const status = (done, yes, no) => (done ? yes : no);
  console.log(
    `market   h100 (H100-80GB, ≥ 40 TFLOP/s per GPU, tick 0.01, fee 2.5 %): ${
      marketOpen
        ? status(marketOpened, 'opened', 'already open')
        : `${h100?.status ?? 'missing'}, takes no orders (an admin closed it, and a market does not reopen; \`npm run stack -- purge\` starts over from an empty event log)`
    }`,
  );
  console.log(
    `provider ${PROVIDER} (${status(provider.opened, 'opened', 'exists')}), API key ${provider.key} (${status(provider.reused, 'kept from an earlier start', 'new')})`,
  );
  console.log(
    `         node ${NODE}: 8 × H100-80GB, ${status(registered, 'registered', 'registered before')}, ${status(certify, 'certified now', 'certified')} (by the admin, 51.2 TFLOP/s per GPU)`,
  );
  console.log(
    `buyer    ${BUYER} (${status(buyer.opened, 'opened', 'exists')}), API key ${buyer.key} (${status(buyer.reused, 'kept from an earlier start', 'new')})`,
  );
  console.log(
    `         deposit ${DEPOSIT} ${status(deposited, 'credited', 'credited before')}; balance ${usd(me.balance)}, held ${usd(me.held)}, in lease escrow ${usd(me.escrow)}`,
  );
  console.log(`orders   ${orders}`);
  console.log(
    `local    market ${LOCAL_MARKET} (this machine's WebGPU adapter, ≥ 0.001 TFLOP/s), node ${LOCAL_NODE}: ${local}`,
  );
  console.log(
    `h100     best bid ${usd(ticker.bestBid)}, best ask ${usd(ticker.bestAsk)}, last ${usd(ticker.last)} (${ticker.trades} trade${ticker.trades === 1 ? '' : 's'})`,
  );
  const query = '{ me { balance held escrow } market(id: \\"h100\\") { ticker { bestBid bestAsk last } } }';
  console.log(
    `try      curl -s ${URL_} -H 'content-type: application/json' -H 'authorization: Bearer ${buyer.key}' -d '{"query":"${query}"}'`,
  );
}

main().catch((error) => {
  console.error(`[demo] ${error.message}`);
  process.exit(1);
});
