import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import { z } from 'zod';

/*
 * Which web pages may call the API from a browser (CORS). A caller proves who it is with an API key
 * in the Authorization header, never a cookie, so a page on another origin can do nothing a script
 * holding the key could not do anyway: any origin may, by default. Without CORS, a browser's
 * preflight (OPTIONS) met Apollo's CSRF refusal and a web app on its own origin could not call the
 * API at all. An operator may name the origins instead, or none.
 */

const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;

/**
 * `GATEWAY_CORS_ORIGINS`: `*` (any origin, the default), a comma-separated list of origins
 * (`https://app.example.com,http://localhost:5173`), or empty for none (browsers on other origins
 * are refused, as before).
 */
export const corsOriginsSchema = z
  .string()
  .default('*')
  .transform((value) => value.trim())
  .transform((value) =>
    value === '*'
      ? '*'
      : value
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
  )
  .refine(
    (origins) => origins === '*' || origins.every((o) => ORIGIN.test(o)),
    'must be *, or origins such as https://app.example.com separated by commas (scheme, host and port only)',
  );

/**
 * The CORS answer for those origins, or undefined for none. GET and POST (queries and mutations;
 * subscriptions are on the WebSocket, which CORS does not govern); the request's headers are
 * allowed as asked (Authorization, Content-Type, Content-Encoding, a trace's); Retry-After is
 * readable, so a page can wait as a RATE_LIMITED answer says; a preflight is cached 10 minutes.
 */
export function corsOptions(origins: '*' | string[]): CorsOptions | undefined {
  if (origins !== '*' && origins.length === 0) return undefined;
  return {
    origin: origins,
    methods: ['GET', 'POST'],
    exposedHeaders: ['Retry-After'],
    maxAge: 600,
  };
}
