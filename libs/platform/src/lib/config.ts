import { z } from 'zod';

/** A configuration problem, told in one line that names the variable and what it expects. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const hostPort = /^[A-Za-z0-9.\-_]+:\d{1,5}$/;

/** Variables every service reads. A service adds its own with `extend`. */
export const baseConfigSchema = z.object({
  KAFKA_BROKERS: z
    .string({ error: 'is required: a comma-separated list of host:port, e.g. 127.0.0.1:19092' })
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b.length > 0),
    )
    .refine((list) => list.length > 0 && list.every((b) => hostPort.test(b)), {
      message: 'must be a comma-separated list of host:port, e.g. 127.0.0.1:19092',
    }),
  REDIS_URL: z
    .string({ error: 'is required: a redis:// URL, e.g. redis://127.0.0.1:16379' })
    .refine((s) => /^rediss?:\/\/[^\s/]+(:\d+)?(\/\d+)?$/.test(s), {
      message: 'must be a redis:// URL, e.g. redis://127.0.0.1:16379',
    }),
  PORT: z.coerce
    .number({ error: 'must be a TCP port number (1-65535)' })
    .int('must be a TCP port number (1-65535)')
    .min(1, 'must be a TCP port number (1-65535)')
    .max(65535, 'must be a TCP port number (1-65535)'),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /**
   * How long a client may take to send one HTTP request, headers and body, ms; past it the
   * request is answered 408 and its connection closed. Node's default is 5 minutes, in which a
   * body sent a byte at a time holds a connection that the caps on connections count as taken.
   */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** Any schema whose output is at least the base configuration. */
export type ConfigSchema = z.ZodType<BaseConfig, unknown>;

/** The base schema with the service's own default HTTP port. */
export function serviceConfigSchema(defaultPort: number) {
  return baseConfigSchema.extend({ PORT: baseConfigSchema.shape.PORT.default(defaultPort) });
}

/**
 * Validates the environment against a schema. On the first problem throws a ConfigError whose
 * message names the variable, says what is expected, and shows what was given.
 */
export function loadConfig<C extends BaseConfig>(
  schema: z.ZodType<C, unknown> | z.ZodType<BaseConfig, unknown>,
  env: Record<string, string | undefined> = process.env,
): C {
  const result = schema.safeParse(env);
  // A service's schema extends the base one, so its output is C.
  if (result.success) return result.data as C;
  const issue = result.error.issues[0];
  if (!issue) throw new ConfigError('configuration is invalid');
  const variable = String(issue.path[0] ?? '(unknown)');
  const given = env[variable];
  const shown = given === undefined ? 'it is not set' : `got ${shownValue(variable, given)}`;
  throw new ConfigError(`${variable} ${issue.message.replace(/^Invalid input: /, '')} (${shown})`);
}

/** Variables whose whole value is a secret: a refused one is shown by its length only. */
const SECRET = /(KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL)/;

/**
 * A refused value as the error shows it: credentials never reach a log line. A secret (an API key)
 * by its length; a URL with a password (REDIS_URL) with the password masked; the rest as given.
 */
export function shownValue(variable: string, given: string): string {
  if (SECRET.test(variable)) return `${given.length} characters, not shown`;
  const masked = given.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@]*@/i, '$1***@');
  return JSON.stringify(masked);
}
