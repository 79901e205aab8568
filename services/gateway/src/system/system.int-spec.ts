import { ServiceApp, startService } from '@gpux/platform';
import { freePort, infraEnv } from '@gpux/testing';
import { gatewayService } from '../service';

describe('GraphQL endpoint', () => {
  let gateway: ServiceApp;

  beforeAll(async () => {
    gateway = await startService(
      gatewayService,
      { ...infraEnv(), PORT: String(await freePort()), LOG_LEVEL: 'fatal' },
      { shutdownHooks: false },
    );
  });
  afterAll(() => gateway?.app.close());

  const post = async (body: unknown) => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      json: (await response.json()) as {
        data?: unknown;
        errors?: { extensions?: { code?: string }; message: string }[];
      },
    };
  };

  it('answers a query with the state of Kafka and Redis', async () => {
    const { status, json } = await post({ query: '{ system { service kafka redis } }' });
    expect(status).toBe(200);
    expect(json).toEqual({ data: { system: { service: 'gateway', kafka: 'UP', redis: 'UP' } } });
  });

  it('rejects an unknown field with a coded error and no stack trace', async () => {
    const { status, json } = await post({ query: '{ nope }' });
    expect(status).toBe(400);
    expect(json.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(json)).not.toMatch(/stacktrace|\.ts:\d+/);
  });
});
