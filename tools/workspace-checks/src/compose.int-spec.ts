// docker-compose.yml is checked with the real docker-compose (no Docker engine needed, and no
// registry: images cannot be pulled here): it must validate, and the resolved configuration
// (anchors merged, defaults filled in) must hold the whole flow of `npm start`: every service wired
// to healthy Kafka and Redis with the variables its configuration requires, the gateway's admin key,
// Kafka reachable from the host, a bootstrap step that registers the worker's node, and the worker
// joining with the credential it wrote. Prometheus and Grafana: compose-observability.int-spec.ts.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { baseConfigSchema } from '@gpux/platform';
import {
  compose,
  composeConfig,
  composeFile,
  composeFiles,
  type ComposeConfig,
  type ComposeService,
  gpuOverride,
  root,
  run,
  yamlToJson,
} from './compose-config';

const appServices = ['gateway', 'orders', 'pricing', 'settlement', 'capacity'];

jest.setTimeout(60_000);

describe('docker-compose.yml', () => {
  let config: ComposeConfig;
  const service = (name: string): ComposeService => {
    const found = config.services[name];
    if (!found) throw new Error(`service ${name} is not in docker-compose.yml`);
    return found;
  };

  beforeAll(() => {
    config = composeConfig();
  });

  it('is valid for docker-compose', () => {
    const result = run('docker-compose', ['-f', composeFile, 'config', '-q']);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('defines Kafka, Redis, every service, the GPU worker, Prometheus and Grafana', () => {
    const names = compose('config', '--services').trim().split('\n');
    expect(names.sort()).toEqual(
      ['kafka', 'redis', ...appServices, 'bootstrap', 'gpu-worker', 'prometheus', 'grafana'].sort(),
    );
  });

  it('health-checks Kafka and Redis, which everything else waits for', () => {
    for (const name of ['kafka', 'redis']) {
      expect(service(name).healthcheck?.test).toBeDefined();
      expect(service(name).healthcheck?.disable).not.toBe(true);
    }
  });

  it.each(appServices)('%s waits for healthy Kafka and Redis and is health-checked on /health', (name) => {
    const s = service(name);
    expect(s.depends_on?.['kafka']?.condition).toBe('service_healthy');
    expect(s.depends_on?.['redis']?.condition).toBe('service_healthy');
    expect(s.healthcheck?.disable).not.toBe(true);
    expect(JSON.stringify(s.healthcheck?.test)).toContain('/health');
    // Listening on the default 127.0.0.1 would make the service unreachable from other containers.
    expect(s.environment?.['HOST']).toBe('0.0.0.0');
    expect(s.environment?.['KAFKA_BROKERS']).toBe('kafka:9092');
    expect(s.environment?.['REDIS_URL']).toBe('redis://redis:6379');
  });

  it.each(appServices)('%s has every variable its configuration requires, valid', (name) => {
    const environment = Object.fromEntries(
      Object.entries(service(name).environment ?? {}).map(([k, v]) => [
        k,
        v === null ? undefined : String(v),
      ]),
    );
    // The variables without a default (KAFKA_BROKERS, REDIS_URL today): what the schema refuses when unset.
    const required = (baseConfigSchema.safeParse({}).error?.issues ?? []).map((i) => String(i.path[0]));
    expect(required.length).toBeGreaterThan(0);
    for (const variable of required)
      expect({ name, variable, set: environment[variable] !== undefined }).toEqual({
        name,
        variable,
        set: true,
      });
    // PORT has a default per service, but compose states it so the health check can use it.
    expect({ name, port: environment['PORT'] }).toEqual({ name, port: expect.stringMatching(/^\d+$/) });
    const parsed = baseConfigSchema.safeParse(environment);
    expect({ name, issues: parsed.error?.issues ?? [] }).toEqual({ name, issues: [] });
  });

  it('gives the gateway an admin key, the one bootstrap uses', () => {
    const key = service('gateway').environment?.['ADMIN_API_KEY'];
    // The gateway's own rule (services/gateway/src/service.ts): 24 to 256 printable characters.
    expect(String(key)).toMatch(/^[\x21-\x7e]{24,256}$/);
    expect(service('bootstrap').environment?.['ADMIN_API_KEY']).toBe(key);
  });

  it('advertises Kafka to the host on a published loopback port, besides kafka:9092 for the containers', () => {
    const env = service('kafka').environment ?? {};
    const listeners = (value: unknown) =>
      Object.fromEntries(
        String(value)
          .split(',')
          .map((l): [string, string] => {
            const m = l.match(/^(\w+):\/\/(.*)$/);
            return [m?.[1] ?? l, m?.[2] ?? ''];
          }),
      );
    const advertised = listeners(env['KAFKA_ADVERTISED_LISTENERS']);
    expect(advertised['PLAINTEXT']).toBe('kafka:9092');
    const host = Object.entries(advertised).find(([, address]) => address?.startsWith('127.0.0.1:'));
    if (!host)
      throw new Error(`no listener advertised on 127.0.0.1: ${String(env['KAFKA_ADVERTISED_LISTENERS'])}`);
    const [name, address] = host;
    const hostPort = address?.split(':')[1];
    // The broker listens on that listener's own port, speaks plaintext there, and the port is published.
    const bound = listeners(env['KAFKA_LISTENERS'])[name];
    expect(bound).toMatch(/^:\d+$/);
    expect(String(env['KAFKA_LISTENER_SECURITY_PROTOCOL_MAP']).split(',')).toContain(`${name}:PLAINTEXT`);
    expect(service('kafka').ports).toContain(`127.0.0.1:${hostPort}:${bound?.slice(1)}/tcp`);
  });

  it('publishes the gateway, Kafka, Redis, Prometheus and Grafana, only on the loopback interface', () => {
    const published: Record<string, string> = {
      gateway: '127.0.0.1:4000:4000/tcp',
      redis: '127.0.0.1:6379:6379/tcp',
      kafka: '127.0.0.1:9094:9094/tcp',
      prometheus: '127.0.0.1:9090:9090/tcp',
      grafana: '127.0.0.1:3000:3000/tcp',
    };
    for (const [name, port] of Object.entries(published))
      expect({ name, ports: service(name).ports }).toEqual({ name, ports: [port] });
    for (const name of Object.keys(config.services).filter((n) => published[n] === undefined)) {
      expect({ name, ports: service(name).ports }).toEqual({ name, ports: undefined });
    }
  });

  it('pins every image: a version, never latest (the Node base image of the built ones too)', () => {
    // prom/prometheus tags its releases v3.7.3, the others 4.1.1.
    const pinned = /^[\w./-]+:v?\d+\.\d+\.\d+[\w.-]*$/;
    for (const [name, s] of Object.entries(config.services)) {
      if (s.image !== undefined)
        expect({ name, image: s.image }).toEqual({ name, image: expect.stringMatching(pinned) });
      else
        expect({ name, dockerfile: s.build?.dockerfile }).toEqual({
          name,
          dockerfile: 'infra/docker/Dockerfile',
        });
    }
    const dockerfile = readFileSync(path.join(root, 'infra/docker/Dockerfile'), 'utf8');
    const base = dockerfile.match(/^ARG NODE_IMAGE=(\S+)$/m)?.[1];
    expect(base).toMatch(pinned);
    for (const from of dockerfile.match(/^FROM \S+/gm) ?? [])
      expect(from).toMatch(/^FROM (\$\{NODE_IMAGE\}|runtime)$/);
  });

  it('bootstraps once every service is healthy: the demo market, accounts and the node credential, as npm start does', () => {
    const bootstrap = service('bootstrap');
    for (const name of appServices)
      expect({ name, condition: bootstrap.depends_on?.[name]?.condition }).toEqual({
        name,
        condition: 'service_healthy',
      });
    expect(bootstrap.build?.target).toBe('bootstrap');
    expect(bootstrap.restart).toBe('no');
    expect(bootstrap.environment?.['GATEWAY_URL']).toBe('http://gateway:4000/graphql');
    // The image runs infra/scripts/demo.js, the script npm start runs, which reads these variables.
    const dockerfile = readFileSync(path.join(root, 'infra/docker/Dockerfile'), 'utf8');
    const stage = dockerfile.slice(dockerfile.indexOf('AS bootstrap'));
    expect(stage.slice(0, stage.indexOf('\nFROM '))).toMatch(/CMD \["node", "infra\/scripts\/demo\.js"\]/);
    const demo = readFileSync(path.join(root, 'infra/scripts/demo.js'), 'utf8');
    // What it requires of its own folder (ports.js) is copied beside it, or the image cannot start.
    for (const [, local] of demo.matchAll(/require\('\.\/([\w-]+)'\)/g))
      expect(stage.slice(0, stage.indexOf('\nFROM '))).toContain(`infra/scripts/${local}.js`);
    for (const variable of ['GATEWAY_URL', 'ADMIN_API_KEY', 'DEMO_NODE_CREDENTIAL_FILE']) {
      expect(demo).toContain(`process.env.${variable}`);
      expect({ variable, set: bootstrap.environment?.[variable] !== undefined }).toEqual({
        variable,
        set: true,
      });
    }
  });

  it('starts the GPU worker after bootstrap completed, joining with the credential bootstrap wrote', () => {
    const worker = service('gpu-worker');
    expect(worker.depends_on?.['gateway']?.condition).toBe('service_healthy');
    expect(worker.depends_on?.['bootstrap']?.condition).toBe('service_completed_successfully');
    expect(worker.environment?.['GPUX_GATEWAY_URL']).toBe('http://gateway:4000/graphql');
    const file = String(service('bootstrap').environment?.['DEMO_NODE_CREDENTIAL_FILE']);
    expect(worker.command).toEqual(['join', '--credential-file', file]);
    // One named volume: bootstrap writes it, the worker reads it.
    const mount = (s: ComposeService) =>
      (s.volumes ?? [])
        .map((v) => v.split(':'))
        .find(([, target]) => target !== undefined && file.startsWith(`${target}/`));
    const written = mount(service('bootstrap'));
    const read = mount(worker);
    expect(written?.[0]).toBeDefined();
    expect(read?.[0]).toBe(written?.[0]);
    expect(read?.[2]).toBe('ro');
    expect(Object.keys(config.volumes ?? {})).toContain(written?.[0]);
  });

  it('reserves no GPU in the base file (a reservation fails without one); docker-compose.gpu.yml adds it', () => {
    expect(service('gpu-worker').deploy).toBeUndefined();
    const withGpu = yamlToJson(composeFiles([composeFile, gpuOverride], 'config')) as ComposeConfig;
    const worker = withGpu.services['gpu-worker'];
    expect(worker?.deploy?.resources?.reservations?.devices).toEqual([
      { driver: 'nvidia', count: 'all', capabilities: ['gpu'] },
    ]);
    // Dawn needs Vulkan: the toolkit mounts the Vulkan driver only with the graphics capability.
    expect(String(worker?.environment?.['NVIDIA_DRIVER_CAPABILITIES']).split(',')).toContain('graphics');
    // The override changes the worker only.
    for (const name of Object.keys(config.services).filter((n) => n !== 'gpu-worker'))
      expect(withGpu.services[name]).toEqual(config.services[name]);
  });
});
