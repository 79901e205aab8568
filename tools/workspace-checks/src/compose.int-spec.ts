// docker-compose.yml is checked with the real docker-compose (no Docker engine needed): it must
// validate, and the resolved configuration (anchors merged, defaults filled in) must wire every
// service to healthy Kafka and Redis. There is no YAML parser among the project's dependencies, so
// the resolved YAML is turned into JSON by the PyYAML that docker-compose itself runs on.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const composeFile = path.join(root, 'docker-compose.yml');
const appServices = ['gateway', 'orders', 'pricing', 'settlement', 'capacity'];

interface ComposeService {
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  environment?: Record<string, string | number | null>;
  command?: string[];
  ports?: string[];
}
interface ComposeConfig {
  services: Record<string, ComposeService>;
}

function run(command: string, args: string[], input?: string) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', input });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(
      `${command} is missing: this test needs it to validate docker-compose.yml ` +
        '(Debian: apt-get install docker-compose, or run infra/scripts/install-system-deps.sh as root)',
    );
  }
  if (result.error) throw result.error;
  return result;
}

function compose(...args: string[]): string {
  const result = run('docker-compose', ['-f', composeFile, ...args]);
  if (result.status !== 0) {
    throw new Error(`docker-compose ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  }
  return result.stdout;
}

function yamlToJson(yaml: string): unknown {
  const script = 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)';
  const result = run('python3', ['-c', script], yaml);
  if (result.status !== 0)
    throw new Error(`converting docker-compose config to JSON failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

jest.setTimeout(60_000);

describe('docker-compose.yml', () => {
  let config: ComposeConfig;
  const service = (name: string): ComposeService => {
    const found = config.services[name];
    if (!found) throw new Error(`service ${name} is not in docker-compose.yml`);
    return found;
  };

  beforeAll(() => {
    config = yamlToJson(compose('config')) as ComposeConfig;
  });

  it('is valid for docker-compose', () => {
    const result = run('docker-compose', ['-f', composeFile, 'config', '-q']);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('defines Kafka, Redis, every service and the GPU worker', () => {
    const names = compose('config', '--services').trim().split('\n');
    expect(names.sort()).toEqual(['kafka', 'redis', ...appServices, 'gpu-worker'].sort());
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

  it('publishes only the gateway, and only on the loopback interface', () => {
    expect(service('gateway').ports).toEqual(['127.0.0.1:4000:4000/tcp']);
    for (const name of Object.keys(config.services).filter((n) => n !== 'gateway')) {
      expect({ name, ports: service(name).ports }).toEqual({ name, ports: undefined });
    }
  });

  it('starts the GPU worker once the gateway is healthy, joining the marketplace at its GraphQL endpoint', () => {
    const worker = service('gpu-worker');
    expect(worker.depends_on?.['gateway']?.condition).toBe('service_healthy');
    expect(worker.environment?.['GPUX_GATEWAY_URL']).toBe('http://gateway:4000/graphql');
    expect(worker.command).toEqual(['join']);
  });
});
