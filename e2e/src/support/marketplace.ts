// The whole marketplace for end-to-end scenarios. By default the built services run as processes
// (as `npm start` runs them) on the Kafka and Redis of the environment, in a topic namespace and
// a Redis of their own. With E2E_GRAPHQL_URL and E2E_ADMIN_KEY set, the scenarios run against
// that stack instead (a `docker compose` one, say), and nothing is started here.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EVENT_SOURCED_SERVICES, topicsOf } from '@gpux/contracts';
import { DedicatedRedis, freePort, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import { Kafka, logLevel } from 'kafkajs';

/** The repository's root, found from here: from e2e/src/support, or from a compiled copy under dist/ (bench/trading imports this file). */
function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json')) && existsSync(join(dir, 'infra/runtime/run.js'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root (a folder with nx.json) above ${from}`);
  }
}
export const REPO_ROOT = repositoryRoot(__dirname);
const ROOT = REPO_ROOT;
export const SERVICES = ['settlement', 'orders', 'capacity', 'pricing', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: {
    message: string;
    path?: string[];
    extensions?: { code?: string; field?: string; [k: string]: unknown };
  }[];
}

class ServiceProcess {
  private child: ChildProcess | undefined;
  readonly port: Promise<number> = freePort();

  constructor(
    readonly name: ServiceName,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    const main = join(ROOT, 'dist/out-tsc/services', this.name, 'src/main.js');
    if (!existsSync(main))
      throw new Error(`${main} is missing: build first (npx nx run-many -t build, or npm test)`);
    const port = await this.port;
    this.child = spawn('node', ['infra/runtime/run.js', `services/${this.name}`], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], ...this.env, PORT: String(port) },
      // E2E_LOG_DIR keeps each service's JSON log lines (appended across restarts) for a post-mortem.
      stdio: [
        'ignore',
        process.env['E2E_LOG_DIR']
          ? openSync(join(process.env['E2E_LOG_DIR'], `${this.name}.log`), 'a')
          : 'ignore',
        'inherit',
      ],
    });
    await waitUntil(
      `${this.name} to answer /health`,
      async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok ?? false,
      60_000,
      200,
    );
  }

  /** Stops it: SIGTERM for a clean stop, SIGKILL for a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }
}

export class Marketplace {
  readonly url: string;
  readonly adminKey: string;
  /** The topic namespace of the services started here (undefined for an external stack). */
  namespace: string | undefined;
  private readonly services = new Map<ServiceName, ServiceProcess>();
  private redis: DedicatedRedis | undefined;

  private constructor(url: string, adminKey: string) {
    this.url = url;
    this.adminKey = adminKey;
  }

  /** True when the scenarios run on a stack started elsewhere, which they cannot kill. */
  static get external(): boolean {
    return Boolean(process.env['E2E_GRAPHQL_URL']);
  }

  /**
   * Starts every service (or connects to E2E_GRAPHQL_URL). `env` adds configuration to all of them,
   * `only` to one service over `env` (a service configured apart from the others).
   */
  static async start(
    env: Record<string, string> = {},
    only: Partial<Record<ServiceName, Record<string, string>>> = {},
  ): Promise<Marketplace> {
    const external = process.env['E2E_GRAPHQL_URL'];
    if (external) {
      const key = process.env['E2E_ADMIN_KEY'];
      if (!key)
        throw new Error("E2E_GRAPHQL_URL is set: set E2E_ADMIN_KEY to that stack's admin API key too");
      return new Marketplace(external, key);
    }
    const infra = infraEnv();
    const redis = await DedicatedRedis.start();
    const adminKey = `e2e-admin-${uniqueName('key')}-0123456789`;
    const common = {
      KAFKA_BROKERS: infra.KAFKA_BROKERS,
      REDIS_URL: redis.url,
      TOPIC_NAMESPACE: uniqueName('e2e'),
      LOG_LEVEL: 'warn',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ADMIN_API_KEY: adminKey,
      ...env,
    };
    const services = SERVICES.map((name) => new ServiceProcess(name, { ...common, ...only[name] }));
    const gatewayPort = await services[services.length - 1]!.port;
    const market = new Marketplace(`http://127.0.0.1:${gatewayPort}/graphql`, adminKey);
    market.redis = redis;
    market.namespace = common.TOPIC_NAMESPACE;
    for (const s of services) market.services.set(s.name, s);
    // The event-sourced services first (they create their topics), then the gateway.
    await Promise.all(services.filter((s) => s.name !== 'gateway').map((s) => s.start()));
    await services[services.length - 1]!.start();
    return market;
  }

  /** A running service, to crash and restart. */
  service(name: ServiceName): ServiceProcess {
    const s = this.services.get(name);
    if (!s) throw new Error(`${name} is not run by this test (external stack?)`);
    return s;
  }

  /** Redis of this marketplace, to flush. */
  get redisUrl(): string {
    if (!this.redis) throw new Error('the stack is external');
    return this.redis.url;
  }

  /** Stops what it started, and deletes its topics so a shared broker does not fill up with them. */
  async stop(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.stop()));
    await this.redis?.stop();
    if (this.namespace) await deleteTopics(this.namespace);
  }

  async gql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    key: string | null = this.adminKey,
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  }

  /** The data of a query that must succeed. */
  async ok<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    key: string | null = this.adminKey,
  ): Promise<T> {
    const r = await this.gql<T>(query, variables, key);
    if (r.errors?.length || !r.data)
      throw new Error(`GraphQL failed: ${JSON.stringify(r.errors)} for ${query.slice(0, 120)}`);
    return r.data;
  }

  /** An account with a deposit and an API key of the roles. */
  async account(id: string, roles: ('buyer' | 'provider')[], deposit = '0'): Promise<string> {
    await this.ok(
      `mutation($id: ID!, $owner: String!) { openAccount(accountId: $id, owner: $owner) { id } }`,
      { id, owner: id },
    );
    if (deposit !== '0')
      await this.ok(`mutation($id: ID!, $a: Usd!) { deposit(accountId: $id, amount: $a) { id } }`, {
        id,
        a: deposit,
      });
    const r = await this.ok<{ createApiKey: { key: string } }>(
      `mutation($id: ID!, $roles: [AccountRole!]!) { createApiKey(accountId: $id, roles: $roles) { key } }`,
      { id, roles: roles.map((r) => r.toUpperCase()) },
    );
    return r.createApiKey.key;
  }
}

async function deleteTopics(namespace: string): Promise<void> {
  const kafka = new Kafka({
    clientId: `e2e-${namespace}`,
    brokers: infraEnv().KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const ours = new Set(EVENT_SOURCED_SERVICES.flatMap((s) => topicsOf(s, namespace).map((t) => t.name)));
    const existing = (await admin.listTopics()).filter((t) => ours.has(t));
    if (existing.length) await admin.deleteTopics({ topics: existing });
  } catch (error) {
    process.stderr.write(
      `could not delete the topics of namespace ${namespace}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
