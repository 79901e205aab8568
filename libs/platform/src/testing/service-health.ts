import { get } from 'node:http';
import { DedicatedRedis, freePort, infraEnv, waitUntil } from '@gpux/testing';
import { ServiceApp, ServiceDefinition, startService } from '../lib/bootstrap';
import { ConfigSchema } from '../lib/config';

interface HealthBody {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, { status: string; message?: string }>;
}

/** GET /health without connection pooling: no socket or timer outlives the service. */
function getHealth(url: string): Promise<{ status: number; body: HealthBody }> {
  return new Promise((resolve, reject) => {
    const request = get(`${url}/health`, { agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as HealthBody });
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on('error', reject);
  });
}

/**
 * The health contract every service keeps, against the real Kafka and a real Redis of the test's
 * own: `GET /health` is 200 with both up, and 503 naming Redis once Redis is stopped, while the
 * service keeps running.
 */
export function describeServiceHealth<S extends ConfigSchema>(definition: ServiceDefinition<S>): void {
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
    });
  });
}
