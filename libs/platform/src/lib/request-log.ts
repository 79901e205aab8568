/**
 * What a request's log line says of it. Headers are an allowlist: a credential travels in a header
 * (`Authorization` for API keys and node credentials; a proxy's or a client's own elsewhere), and a
 * list of headers to hide would miss the one nobody thought of. Pino's redaction, which hid
 * `authorization` and `cookie`, also cost the gateway about a twentieth of its CPU: pino-http
 * binds the request to a child logger for every request, whether a line is written or not.
 */
export const LOGGED_HEADERS = [
  'host',
  'user-agent',
  'content-type',
  'content-length',
  'content-encoding',
  'accept',
  'origin',
  'referer',
  'x-request-id',
  'traceparent',
  'x-forwarded-for',
] as const;

/** The request as pino-http's standard serializer gives it (pino-std-serializers). */
export interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  remoteAddress?: string;
  remotePort?: number;
}

export function requestForLog(req: SerializedRequest): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  for (const name of LOGGED_HEADERS) {
    const value = req.headers?.[name];
    if (value !== undefined) headers[name] = value;
  }
  return {
    id: req.id,
    method: req.method,
    url: req.url,
    headers,
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  };
}
