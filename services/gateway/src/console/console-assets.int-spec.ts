// The gateway serves the web console at `/` (apps/console, built into CONSOLE_DIR), with headers
// that keep the page to itself, after its own routes; without a built console it still starts and
// `/` says how to build it. Real Kafka, a Redis of its own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceApp } from '@gpux/platform';
import { httpGet } from '@gpux/platform/testing';
import { DedicatedRedis } from '@gpux/testing';
import { startGateway } from '../gateway.fixture';
import { CONSOLE_NOT_BUILT, CONSOLE_SECURITY_HEADERS } from './console-assets';

describe('the console at /', () => {
  let redis: DedicatedRedis;
  let built: string;

  const start = (consoleDir: string): Promise<ServiceApp> =>
    startGateway(redis, 'console-assets-int-spec-admin-key-0123456789', { CONSOLE_DIR: consoleDir });

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    built = mkdtempSync(join(tmpdir(), 'console-'));
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(built, 'app.js'), 'export {};\n');
  });

  afterAll(async () => {
    await redis?.stop();
    rmSync(built, { recursive: true, force: true });
  });

  it('serves the built console and its files, with its security headers, beside the API', async () => {
    const service = await start(built);
    try {
      const index = await fetch(`${service.url}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await index.text()).toContain('<title>console</title>');
      for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS))
        expect(index.headers.get(name)).toBe(value);
      const script = await fetch(`${service.url}/app.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/javascript/);
      // The API and health are where they were; what is neither is still 404.
      const api = await fetch(`${service.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ system { service } }' }),
      });
      expect(await api.json()).toEqual({ data: { system: { service: 'gateway' } } });
      expect((await httpGet(`${service.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${service.url}/no-such-file.js`)).status).toBe(404);
    } finally {
      await service.app.close();
    }
  });

  it('starts without a built console, and / says how to build it', async () => {
    const service = await start(join(built, 'missing'));
    try {
      const { status, contentType, text } = await httpGet(`${service.url}/`);
      expect({ status, contentType, text }).toEqual({
        status: 200,
        contentType: 'text/plain; charset=utf-8',
        text: CONSOLE_NOT_BUILT,
      });
      expect((await httpGet(`${service.url}/health/live`)).status).toBe(200);
    } finally {
      await service.app.close();
    }
  });
});
