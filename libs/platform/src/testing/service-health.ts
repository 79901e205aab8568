import { get } from 'node:http';
import { DedicatedRedis, freePort, infraEnv, waitUntil } from '@gpux/testing';
import { ServiceApp, ServiceDefinition, startService } from '../lib/bootstrap';
import { ConfigSchema } from '../lib/config';

interface HealthBody {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, { status: string; message?: string }>;
}

/** A GET without connection pooling: no socket or timer outlives the service. */
export function httpGet(url: string): Promise<{ status: number; contentType: string; text: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers['content-type'] ?? ''),
          text,
        }),
      );
    });
    request.on('error', reject);
  });
}

/** GET /health (or /health/ready, /health/live) and its JSON body. */
async function getHealth(url: string, path = '/health'): Promise<{ status: number; body: HealthBody }> {
  const { status, text } = await httpGet(`${url}${path}`);
  return { status, body: JSON.parse(text) as HealthBody };
}

/** The names of the metrics a Prometheus text exposition declares (its `# TYPE` lines). */
export function metricNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? ''));
}

/**
 * The health contract every service keeps, against the real Kafka and a real Redis of the test's
 * own: `GET /health` and `GET /health/ready` are 200 with both up, and 503 naming Redis once Redis
 * is stopped, while the service keeps running and `GET /health/live` stays 200; `checks`, the
 * service's own, are up with them. `GET /metrics`
 * answers the Prometheus text format, with Node's metrics and `metrics` (the service's own names).
 */
export function describeServiceHealth<S extends ConfigSchema>(
  definition: ServiceDefinition<S>,
  expected: { metrics?: string[]; checks?: string[] } = {},
): void {
  describe(`${definition.name} service health`, () => {
    let redis: DedicatedRedis;
    let service: ServiceApp;

    beforeAll(async () => {
      const { KAFKA_BROKERS } = infraEnv();
      redis = await DedicatedRedis.start();
      service = await startService(
        definition,
        { KAFKA_BROKERS, REDIS_URL: redis.url, PORT: String(await freePort()), LOG_LEVEL: 'fatal' },
        { shutdownHooks: false },
      );
    });

    afterAll(async () => {
      await service?.app.close();
      await redis?.stop();
    });

    it('reports Kafka and Redis up', async () => {
      // The clients connect in the background after start: give them a moment, not forever.
      await waitUntil('health to report up', async () => (await getHealth(service.url)).status === 200);
      const { status, body } = await getHealth(service.url);
      expect(status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.info?.['kafka']?.status).toBe('up');
      expect(body.info?.['redis']?.status).toBe('up');
      // The service's own checks (its command processor's, its read models').
      for (const check of expected.checks ?? [])
        expect([check, body.info?.[check]?.status]).toEqual([check, 'up']);
      const ready = await getHealth(service.url, '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.info?.['kafka']?.status).toBe('up');
      expect(ready.body.info?.['redis']?.status).toBe('up');
      expect(await getHealth(service.url, '/health/live')).toMatchObject({
        status: 200,
        body: { status: 'ok' },
      });
    });

    it('answers /metrics in the Prometheus text format, labelled with the service', async () => {
      const { status, contentType, text } = await httpGet(`${service.url}/metrics`);
      expect(status).toBe(200);
      expect(contentType).toMatch(/^text\/plain;.*version=0\.0\.4/);
      expect(text).toMatch(new RegExp(`^process_cpu_seconds_total\\{service="${definition.name}"\\} `, 'm'));
      const names = metricNames(text);
      for (const name of expected.metrics ?? [])
        expect({ name, listed: names.has(name) }).toEqual({ name, listed: true });
    });

    it('reports Redis down, and Kafka still up, once Redis is stopped', async () => {
      await redis.stop();
      await waitUntil(
        'health to report Redis down',
        async () => (await getHealth(service.url)).status === 503,
      );
      const { body } = await getHealth(service.url);
      expect(body.status).toBe('error');
      expect(body.error?.['redis']?.status).toBe('down');
      expect(body.info?.['kafka']?.status).toBe('up');
      // Unready, not dead: the process answers, so nothing should restart it.
      const ready = await getHealth(service.url, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error?.['redis']?.status).toBe('down');
      expect(await getHealth(service.url, '/health/live')).toMatchObject({
        status: 200,
        body: { status: 'ok' },
      });
      // A scrape during the outage still answers (remote reads give up after a timeout).
      expect((await httpGet(`${service.url}/metrics`)).status).toBe(200);
    });
  });
}

/**
 * The sum of a metric's samples whose labels include `labels` (0 when none), from a Prometheus
 * text exposition: `metricValue(text, 'gpux_commands_total', { outcome: 'accepted' })`.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => present.get(k) === v)) sum += Number(match[3]);
  }
  return sum;
}
