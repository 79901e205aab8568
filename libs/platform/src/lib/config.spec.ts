import { z } from 'zod';
import { baseConfigSchema, ConfigError, loadConfig } from './config';

const valid = {
  KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093',
  REDIS_URL: 'redis://127.0.0.1:16379',
  PORT: '4101',
};

describe('loadConfig', () => {
  it('parses a valid environment, applying defaults', () => {
    const cfg = loadConfig(baseConfigSchema, valid);
    expect(cfg.KAFKA_BROKERS).toEqual(['127.0.0.1:19092', '127.0.0.1:19093']);
    expect(cfg.PORT).toBe(4101);
    expect(cfg.HOST).toBe('127.0.0.1');
    expect(cfg.LOG_LEVEL).toBe('info');
  });

  it.each([
    [{ ...valid, KAFKA_BROKERS: undefined }, /^KAFKA_BROKERS is required.*\(it is not set\)$/],
    [
      { ...valid, KAFKA_BROKERS: 'localhost' },
      /^KAFKA_BROKERS must be a comma-separated list of host:port.*got "localhost"/,
    ],
    [{ ...valid, REDIS_URL: 'http://x' }, /^REDIS_URL must be a redis:\/\/ URL.*got "http:\/\/x"/],
    [{ ...valid, PORT: 'eighty' }, /^PORT must be a TCP port number \(1-65535\) \(got "eighty"\)$/],
    [{ ...valid, PORT: '70000' }, /^PORT must be a TCP port number/],
    [{ ...valid, LOG_LEVEL: 'loud' }, /^LOG_LEVEL .*got "loud"/],
  ])('names the variable at fault in one line: %j', (env, message) => {
    let error: unknown;
    try {
      loadConfig(baseConfigSchema, env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as Error).message;
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });

  it('never shows a refused secret: a key by its length, a URL with its password masked', () => {
    const schema = baseConfigSchema.extend({
      ADMIN_API_KEY: z.string().regex(/^[A-Za-z0-9]{24,}$/, 'is malformed'),
    });
    const key = 'Adm1nKeyThatIsLongEnough0123\r';
    expect(() => loadConfig(schema, { ...valid, ADMIN_API_KEY: key })).toThrow(
      'ADMIN_API_KEY is malformed (got 29 characters, not shown)',
    );
    let error: unknown;
    try {
      loadConfig(baseConfigSchema, { ...valid, REDIS_URL: 'redis://:s3cr3t/pw@127.0.0.1:6379/?x' });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).not.toContain('s3cr3t');
    expect((error as Error).message).toContain('redis://:***@127.0.0.1:6379/?x');
  });

  it('validates service-specific variables added by extension', () => {
    const schema = baseConfigSchema.extend({ GRAPHQL_PATH: z.string().startsWith('/', 'must start with /') });
    expect(() => loadConfig(schema, { ...valid, GRAPHQL_PATH: 'graphql' })).toThrow(
      'GRAPHQL_PATH must start with / (got "graphql")',
    );
  });
});
