import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  contextOf,
  otlpTracesUrl,
  traceHeadersOf,
  traceHeadersOfSpan,
  traceIdsOf,
  traceLogFields,
  withCorrelation,
} from './tracing';

const PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('trace headers', () => {
  it('reads a traceparent into a remote span context and writes the same one back', () => {
    const ctx = contextOf({ traceparent: PARENT, tracestate: 'gpux=1' });
    const sc = trace.getSpanContext(ctx);
    expect(sc).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(traceHeadersOf(ctx)).toEqual({ traceparent: PARENT, tracestate: 'gpux=1' });
  });

  it('carries nothing for a message without trace context, or with a malformed one', () => {
    expect(contextOf({})).toBe(ROOT_CONTEXT);
    expect(traceHeadersOf(contextOf({}))).toEqual({});
    expect(traceHeadersOf(contextOf({ traceparent: '00-nothex-b7ad6b7169203331-01' }))).toEqual({});
    expect(traceHeadersOf(contextOf({ traceparent: `00-${'0'.repeat(32)}-b7ad6b7169203331-01` }))).toEqual(
      {},
    );
  });

  it('writes a child span as the new parent, in the same trace', () => {
    const child = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
    });
    expect(traceHeadersOfSpan(child)).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01',
    });
  });
});

describe('OTLP endpoint', () => {
  it('is off unless an endpoint is set', () => {
    expect(otlpTracesUrl({})).toBeUndefined();
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBeUndefined();
  });

  it('takes the traces endpoint as given, or the base endpoint with /v1/traces', () => {
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      otlpTracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/traces',
      }),
    ).toBe('http://other:4318/traces');
  });
});

describe('log fields', () => {
  it("names a message's trace ids for a line about it written outside its span", () => {
    expect(traceIdsOf({ traceparent: PARENT })).toEqual({
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
    });
    expect(traceIdsOf({})).toEqual({});
    expect(traceIdsOf({ traceparent: 'not-a-traceparent' })).toEqual({});
  });

  beforeAll(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  afterAll(() => context.disable());

  it("names the active span's trace and span ids, and nothing outside a span", async () => {
    expect(traceLogFields()).toEqual({});
    const ctx = contextOf({ traceparent: PARENT });
    const fields = await context.with(ctx, async () => {
      await new Promise((r) => setImmediate(r));
      return traceLogFields();
    });
    expect(fields).toEqual({ trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' });
  });

  it('names the correlation id of the conversation being served, across awaits, and only there', async () => {
    // A span made active within the conversation (as the gateway's command span is).
    const parent = trace.getSpan(contextOf({ traceparent: PARENT }))!;
    const fields = await withCorrelation('cmd-1', () =>
      context.with(trace.setSpan(context.active(), parent), async () => {
        await new Promise((r) => setImmediate(r));
        return traceLogFields();
      }),
    );
    expect(fields).toEqual({
      correlation_id: 'cmd-1',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
    });
    expect(withCorrelation('cmd-2', () => traceLogFields())).toEqual({ correlation_id: 'cmd-2' });
    expect(traceLogFields()).toEqual({});
  });
});
