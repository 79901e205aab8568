import {
  Context,
  context,
  createContextKey,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  Span,
  trace,
  Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The W3C trace context as it travels in a message's CloudEvents headers. */
export interface TraceHeaders {
  traceparent?: string;
  tracestate?: string;
}

const w3c = new W3CTraceContextPropagator();
const getter = {
  keys: (carrier: TraceHeaders) => Object.keys(carrier),
  get: (carrier: TraceHeaders, key: string) =>
    key === 'traceparent' ? carrier.traceparent : key === 'tracestate' ? carrier.tracestate : undefined,
};
const setter = {
  set: (carrier: TraceHeaders, key: string, value: string) => {
    if (key === 'traceparent') carrier.traceparent = value;
    else if (key === 'tracestate') carrier.tracestate = value;
  },
};

/** The context a message's trace headers continue (the root context when it has none or a bad one). */
export function contextOf(headers: TraceHeaders): Context {
  if (!headers.traceparent) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, headers, getter);
}

/** The trace headers of a context's span: empty when it has none (tracing off and nothing to carry). */
export function traceHeadersOf(ctx: Context): TraceHeaders {
  const headers: TraceHeaders = {};
  w3c.inject(ctx, headers, setter);
  return headers;
}

/** The trace headers of a span (recording or not: a span of a no-op tracer carries its parent's ids). */
export function traceHeadersOfSpan(span: Span): TraceHeaders {
  return traceHeadersOf(trace.setSpan(ROOT_CONTEXT, span));
}

/** The tracer of this process's code; a no-op one (no spans recorded) while tracing is off. */
export function tracer(): Tracer {
  return trace.getTracer('gpux');
}

/** Where spans go: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
export function otlpTracesUrl(env: Record<string, string | undefined>): string | undefined {
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  if (traces) return traces;
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  if (base) return `${base.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

let provider: BasicTracerProvider | undefined;
let initialised = false;

/**
 * Sets up tracing for this process, once: the AsyncLocalStorage context manager and the W3C
 * propagator always (so a message's trace context is carried on even here), and, only when an
 * OTLP endpoint is configured, a tracer provider named for the service that exports spans in
 * batches over OTLP/HTTP (JSON). Without one the tracer is the API's no-op: no span is recorded.
 */
export function initTracing(service: string, env: Record<string, string | undefined> = process.env): void {
  if (initialised) return;
  initialised = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(w3c);
  const url = otlpTracesUrl(env);
  if (!url) return;
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    // OTEL_BSP_SCHEDULE_DELAY and the other OTEL_BSP_* variables tune the batches.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  trace.setGlobalTracerProvider(provider);
}

/** Exports what is still batched and stops exporting (on shutdown). */
export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown().catch(() => undefined);
}

/** A message's trace and parent span ids, for a log line about it written outside its span. */
export function traceIdsOf(headers: TraceHeaders): { trace_id?: string; span_id?: string } {
  const sc = trace.getSpanContext(contextOf(headers));
  return sc && isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

const CORRELATION = createContextKey('gpux.correlation_id');

/**
 * Runs `fn` with a conversation's correlation id (the id of the client's command that started
 * it) in the active context: every log line written meanwhile, in any async continuation of it,
 * carries it (traceLogFields).
 */
export function withCorrelation<T>(correlationId: string, fn: () => T): T {
  return context.with(context.active().setValue(CORRELATION, correlationId), fn);
}

/**
 * Fields for a log line: the active span's trace and span ids, when there is one, and the
 * correlation id of the conversation being served (withCorrelation), when there is one.
 */
export function traceLogFields(): { trace_id?: string; span_id?: string; correlation_id?: string } {
  const active = context.active();
  const correlation = active.getValue(CORRELATION);
  const fields: { trace_id?: string; span_id?: string; correlation_id?: string } =
    typeof correlation === 'string' ? { correlation_id: correlation } : {};
  const sc = trace.getSpan(active)?.spanContext();
  if (sc && isSpanContextValid(sc)) {
    fields.trace_id = sc.traceId;
    fields.span_id = sc.spanId;
  }
  return fields;
}
