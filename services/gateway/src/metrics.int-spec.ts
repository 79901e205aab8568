// /metrics moves with the traffic: the built settlement service runs as a process, the gateway in
// this one, on the real Kafka and a Redis of the test's own; commands go through GraphQL.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { capacityReadModel, ordersReadModel, pricingReadModel } from '@gpux/contracts';
import { ServiceApp, startService } from '@gpux/platform';
import { httpGet, metricNames, metricValue } from '@gpux/platform/testing';
import { DedicatedRedis, freePort, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import { markFolded } from './gateway.fixture';
import { gatewayService } from './service';

const ROOT = resolve(__dirname, '../../..');

const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

describe('metrics after commands', () => {
  const env = infraEnv();
  const ns = uniqueName('metrics');
  let redis: DedicatedRedis;
  let settlement: ChildProcess;
  let settlementUrl: string;
  let gateway: ServiceApp;

  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        connection: 'close',
        authorization: `Bearer ${ADMIN_KEY}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
  };
  const scrape = async (url: string) => {
    const { status, text } = await httpGet(`${url}/metrics`);
    expect(status).toBe(200);
    return text;
  };

  beforeAll(async () => {
    const main = join(ROOT, 'dist/out-tsc/services/settlement/src/main.js');
    if (!existsSync(main))
      throw new Error(`${main} is missing: build first (npx nx build settlement, or npm test)`);
    redis = await DedicatedRedis.start();
    const common = {
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      REDIS_URL: redis.url,
      TOPIC_NAMESPACE: ns,
      LOG_LEVEL: 'fatal',
    };
    const port = await freePort();
    settlementUrl = `http://127.0.0.1:${port}`;
    settlement = spawn('node', ['infra/runtime/run.js', 'services/settlement'], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        ...common,
        LOG_LEVEL: 'warn',
        PORT: String(port),
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitUntil(
      'settlement to be ready',
      async () => (await httpGet(`${settlementUrl}/health/ready`).catch(() => null))?.status === 200,
      60_000,
    );
    // The services that do not run here started on an empty log: their models are folded, empty.
    await markFolded(redis, [ordersReadModel, capacityReadModel, pricingReadModel]);
    gateway = await startService(
      gatewayService,
      { ...common, PORT: String(await freePort()), ADMIN_API_KEY: ADMIN_KEY },
      { shutdownHooks: false },
    );
  }, 90_000);

  afterAll(async () => {
    await gateway?.app.close();
    settlement?.kill('SIGTERM');
    if (settlement && settlement.exitCode === null) await new Promise((r) => settlement.once('exit', r));
    await redis?.stop();
  });

  const OPEN = 'mutation($id: ID!) { openAccount(accountId: $id, owner: "Ada") { id } }';
  const DEPOSIT =
    'mutation($id: ID!, $amount: Usd!) { deposit(accountId: $id, amount: $amount) { balance } }';

  it('lists every metric, and an accepted and a rejected command move them', async () => {
    const [settlementBefore, gatewayBefore] = await Promise.all([scrape(settlementUrl), scrape(gateway.url)]);

    expect(await gql(OPEN, { id: 'acc-m1' })).toEqual({ data: { openAccount: { id: 'acc-m1' } } });
    expect(await gql(DEPOSIT, { id: 'acc-m1', amount: '2.5' })).toEqual({
      data: { deposit: { balance: '2.500000' } },
    });
    // Settlement rejects it NOT_FOUND (counted below), and the gateway answers so.
    expect(
      (await gql(DEPOSIT, { id: 'acc-none', amount: '1' })).errors?.map((e) => e.extensions?.['code']),
    ).toEqual(['NOT_FOUND']);

    // The gateway answered once the read model showed the deposit: the totals hash has it too.
    const settlementAfter = await scrape(settlementUrl);
    const gatewayAfter = await scrape(gateway.url);
    const moved = (before: string, after: string, name: string, labels: Record<string, string>) => ({
      name,
      labels,
      delta: metricValue(after, name, labels) - metricValue(before, name, labels),
    });
    const delta = (before: string, after: string, name: string, labels: Record<string, string>, at: number) =>
      expect(moved(before, after, name, labels)).toEqual({ name, labels, delta: at });

    delta(
      settlementBefore,
      settlementAfter,
      'gpux_commands_total',
      { command_type: 'settlement.Deposit', outcome: 'accepted', code: '' },
      1,
    );
    delta(
      settlementBefore,
      settlementAfter,
      'gpux_commands_total',
      { command_type: 'settlement.Deposit', outcome: 'rejected', code: 'NOT_FOUND' },
      1,
    );
    delta(
      settlementBefore,
      settlementAfter,
      'gpux_commands_total',
      { command_type: 'settlement.OpenAccount', outcome: 'accepted' },
      1,
    );
    delta(
      settlementBefore,
      settlementAfter,
      'gpux_command_decision_seconds_count',
      { command_type: 'settlement.Deposit' },
      2,
    );
    delta(
      settlementBefore,
      settlementAfter,
      'gpux_ledger_total_minor_units',
      { total: 'deposits' },
      2_500_000,
    );
    expect(
      moved(settlementBefore, settlementAfter, 'gpux_kafka_transaction_commits_total', {
        component: 'command_processor',
      }).delta,
    ).toBeGreaterThanOrEqual(1);
    expect(settlementAfter).toMatch(
      /^gpux_projection_lag_records\{projection="settlement.read-model",topic="[^"]+",partition="\d+",service="settlement"\} \d+$/m,
    );
    expect(settlementAfter).toMatch(
      /^gpux_projection_stopped_partitions\{projection="settlement.read-model",service="settlement"\} 0$/m,
    );

    delta(
      gatewayBefore,
      gatewayAfter,
      'gpux_command_outcome_wait_seconds_count',
      { command_type: 'settlement.Deposit', result: 'accepted' },
      1,
    );
    delta(
      gatewayBefore,
      gatewayAfter,
      'gpux_command_outcome_wait_seconds_count',
      { command_type: 'settlement.Deposit', result: 'rejected' },
      1,
    );
    delta(
      gatewayBefore,
      gatewayAfter,
      'gpux_graphql_request_duration_seconds_count',
      { operation: 'mutation', field: 'deposit', result: 'ok' },
      1,
    );
    delta(
      gatewayBefore,
      gatewayAfter,
      'gpux_graphql_request_duration_seconds_count',
      { operation: 'mutation', field: 'deposit', result: 'error' },
      1,
    );
    delta(
      gatewayBefore,
      gatewayAfter,
      'gpux_graphql_request_duration_seconds_count',
      { operation: 'mutation', field: 'openAccount', result: 'ok' },
      1,
    );

    // Nothing identifies an account, an order or a key in any label.
    expect(settlementAfter + gatewayAfter).not.toContain('acc-m1');
    const names = metricNames(settlementAfter);
    for (const name of [
      'gpux_kafka_transaction_aborts_total',
      'gpux_kafka_transaction_retries_total',
      'gpux_dead_letters_total',
      'gpux_projection_rebuilds_total',
    ]) {
      expect({ name, listed: names.has(name) }).toEqual({ name, listed: true });
    }
  });
});
