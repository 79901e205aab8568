// Traces across Kafka (issue 13): one placeOrder is one trace, from the gateway through orders and
// settlement and back. The services export their spans over OTLP/HTTP (JSON) to a receiver in
// this process that keeps them in memory; the trace of one bid that trades is then read back.
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Marketplace } from './support/marketplace';

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes?: OtlpAttribute[];
      }[];
    }[];
  }[];
}

/** OTLP/JSON ids are hex; older encoders wrote base64: either is read as hex. */
const hex = (id: string | undefined): string =>
  !id ? '' : /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex');
const valueOf = (v: OtlpValue): unknown => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attributesOf = (list: OtlpAttribute[] = []) =>
  Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** The collector's side of OTLP/HTTP JSON, keeping every span it is sent. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private readonly server: Server = createServer((req, res) => {
    void this.receive(req).then(
      () => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      },
      () => res.writeHead(400).end(),
    );
  });

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
  }

  private async receive(req: IncomingMessage): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const json = JSON.parse(body.toString()) as OtlpJson;
    for (const rs of json.resourceSpans ?? []) {
      const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          this.spans.push({
            service,
            traceId: hex(s.traceId),
            spanId: hex(s.spanId),
            parentSpanId: hex(s.parentSpanId),
            name: s.name,
            attributes: attributesOf(s.attributes),
          });
    }
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

async function eventually(probe: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { status } }`;

describe('traces across Kafka', () => {
  let m: Marketplace;
  const receiver = new OtlpReceiver();

  beforeAll(async () => {
    const url = await receiver.start();
    m = await Marketplace.start({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  }, 180_000);

  afterAll(async () => {
    await m?.stop();
    await receiver.stop();
  });

  it('makes one bid that trades one trace, with spans of the gateway, orders and settlement', async () => {
    await m.ok(
      `mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    const provider = await m.account('p1', ['provider']);
    const buyer = await m.account('b1', ['buyer'], '100.000000');
    const node = await m.ok<{ registerNode: { node: { id: string } } }>(
      `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { node { id } credential } }`,
      { i: { marketId: 'h100', gpuModel: 'H100-80GB', gpus: 4, region: 'eu-west' } },
      provider,
    );
    const nodeId = node.registerNode.node.id;
    await m.ok(`mutation($n: ID!) { markNodeCertified(nodeId: $n, tflopsPerGpu: 50) { status } }`, {
      n: nodeId,
    });
    const ask = await m.ok<{ placeOrder: { status: string } }>(
      PLACE,
      {
        input: {
          marketId: 'h100',
          side: 'ASK',
          gpus: 4,
          hours: 1,
          price: '2.00',
          nodeId,
          clientOrderId: 'ask-1',
        },
      },
      provider,
    );
    expect(ask.placeOrder.status).toBe('OPEN');
    await m.ok(
      PLACE,
      { input: { marketId: 'h100', side: 'BID', gpus: 4, hours: 1, price: '2.00', clientOrderId: 'bid-1' } },
      buyer,
    );

    // The bid's trace starts at the gateway's span of its command.
    await eventually(
      () => receiver.spans.some((s) => s.attributes['gpux.client_key'] === 'bid-1'),
      "the gateway's span of the bid",
    );
    const root = receiver.spans.find((s) => s.attributes['gpux.client_key'] === 'bid-1')!;
    // A bid's command is its hold, which carries it (docs/event-flows.md).
    expect(root).toMatchObject({
      service: 'gateway',
      name: 'command settlement.HoldFunds',
      parentSpanId: '',
    });
    // Spans are exported as they end, each service on its own schedule: wait for the end of the
    // bid's path (settlement opening the lease of its trade) and for every parent named in the trace.
    let spans: ReceivedSpan[] = [];
    await eventually(() => {
      spans = receiver.spans.filter((s) => s.traceId === root.traceId);
      const ids = new Set(spans.map((s) => s.spanId));
      return (
        spans.some((s) => s.name === 'decide settlement.OpenLease') &&
        spans.every((s) => !s.parentSpanId || ids.has(s.parentSpanId))
      );
    }, 'the lease of the trade decided in the same trace, and every parent of its spans');
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    expect(byId.size).toBe(spans.length);
    const path = (leaf: ReceivedSpan): string[] => {
      const names: string[] = [];
      for (
        let s: ReceivedSpan | undefined = leaf;
        s;
        s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined
      )
        names.unshift(`${s.service}: ${s.name}`);
      return names;
    };
    // Gateway → settlement → orders → settlement, each span the child of the one before.
    expect(path(spans.find((s) => s.name === 'decide settlement.OpenLease')!)).toEqual([
      'gateway: command settlement.HoldFunds',
      'settlement: decide settlement.HoldFunds',
      // Each service's process managers react inside the worker that writes the event.
      'settlement: react orders-escrow-answers settlement.FundsHeld',
      'orders: decide orders.PlaceOrder',
      'orders: react settlement-escrow-holds orders.TradeExecuted',
      'settlement: decide settlement.OpenLease',
    ]);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['gateway', 'orders', 'settlement']));
    // Every span of the trace hangs from the gateway's (one root), and carries the bid's correlation id.
    expect(spans.filter((s) => !s.parentSpanId)).toEqual([root]);
    for (const s of spans) if (s !== root) expect(path(s)[0]).toBe('gateway: command settlement.HoldFunds');
    const correlations = new Set(
      spans.filter((s) => s !== root).map((s) => s.attributes['gpux.correlation_id']),
    );
    expect(correlations.size).toBe(1);
    // The ask was a trace of its own.
    const askRoot = receiver.spans.find((s) => s.attributes['gpux.client_key'] === 'ask-1');
    expect(askRoot?.traceId).toBeDefined();
    expect(askRoot?.traceId).not.toBe(root.traceId);
  });
});
