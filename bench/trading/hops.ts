/**
 * Where one order's time goes: bids placed one at a time (one connection, nothing else running),
 * then every record their command caused, found in the namespace's topics by correlation id, in
 * causal order (each record after the one it names as its cause; records of one cause by their
 * Kafka timestamps, set by the producer when it sent each). A hop is the time from one record to
 * the next: gateway → settlement (HoldFunds, carrying the bid), settlement decides (FundsHeld) and
 * writes orders' funded PlaceOrder in the same transaction (a hop of about 0 ms), orders decides
 * (OrderAccepted, trades), and from the last record to the answer (the read model, the gateway's
 * wait, the HTTP reply). A bid placed on the older handshake (the client's PlaceOrder first) is
 * followed the same way: PlaceOrder, BidAwaitingFunds, HoldFunds, FundsHeld, ConfirmBidFunds,
 * OrderAccepted. A bid on buying power is the client's PlaceOrder and orders' decision alone.
 */
import { HEADERS, topic } from '@gpux/contracts';
import { Kafka, logLevel } from 'kafkajs';

export interface OrderTiming {
  latencyMs: number;
  /** `from → to` and its milliseconds, in order. */
  hops: { hop: string; ms: number }[];
}

export interface HopSummary {
  samples: number;
  singleOrderP50Ms: number;
  singleOrderP99Ms: number;
  /** Every single order's latency, for the chart. */
  latenciesMs: number[];
  /** The p50 of each hop across the samples (hops of the most common path only). */
  hops: { hop: string; p50Ms: number }[];
}

interface LoggedRecord {
  topic: string;
  type: string;
  time: number;
  id: string;
  causationId: string;
  correlationId: string;
  /** The order a PlaceOrder or HoldFunds command is for (its orderId, or holdId), from its body. */
  orderId?: string;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
};

/** Every record of the namespace's command and event topics (read committed), with its timestamp. */
async function readLog(
  brokers: string[],
  namespace: string,
  idleMs = 1_500,
  timeoutMs = 30_000,
): Promise<LoggedRecord[]> {
  const kafka = new Kafka({ clientId: 'bench-trading-hops', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bench-hops-${Date.now()}-${Math.random()}`,
    maxWaitTimeInMs: 100,
  });
  const records: LoggedRecord[] = [];
  // A bid's path: orders and settlement (pricing and capacity only read orders' events).
  const topics = (['orders', 'settlement'] as const).flatMap((s) => [
    topic(s, 'commands', namespace).name,
    topic(s, 'events', namespace).name,
  ]);
  let last = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const h = (name: string) => String(m.headers?.[name] ?? '');
          const type = h(HEADERS.type);
          let orderId: string | undefined;
          if (type === 'orders.PlaceOrder' || type === 'settlement.HoldFunds') {
            try {
              const data = JSON.parse(m.value?.toString() ?? '{}') as { orderId?: string; holdId?: string };
              orderId = data.orderId ?? data.holdId;
            } catch {
              orderId = undefined;
            }
          }
          records.push({
            topic: batch.topic.slice(namespace.length + 1),
            type,
            time: Number(m.timestamp),
            id: h(HEADERS.id),
            causationId: h(HEADERS.causationId),
            correlationId: h(HEADERS.correlationId),
            ...(orderId ? { orderId } : {}),
          });
        }
        last = Date.now();
      },
    });
    const started = Date.now();
    while (Date.now() - last < idleMs && Date.now() - started < timeoutMs)
      await new Promise((r) => setTimeout(r, 100));
    return records;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/**
 * Records in causal order: by their distance from the first cause (a record's cause is the record
 * whose id it names), then by timestamp. Timestamps alone cannot order records written in one
 * transaction (an event and the command a process manager wrote with it).
 */
function causalOrder(records: LoggedRecord[]): LoggedRecord[] {
  const byId = new Map(records.map((r) => [r.id, r]));
  const depth = new Map<LoggedRecord, number>();
  const depthOf = (r: LoggedRecord, seen = 0): number => {
    const known = depth.get(r);
    if (known !== undefined) return known;
    const cause = byId.get(r.causationId);
    const d = cause && cause !== r && seen < records.length ? depthOf(cause, seen + 1) + 1 : 0;
    depth.set(r, d);
    return d;
  };
  return [...records].sort((a, b) => depthOf(a) - depthOf(b) || a.time - b.time);
}

/** Places `samples` bids one after another and says where each one's time went. */
export async function singleOrderHops(
  url: string,
  key: string,
  brokers: string[],
  namespace: string,
  samples = 30,
  /** More of each bid's input: its funding. */
  extra: Record<string, unknown> = {},
): Promise<HopSummary> {
  const placed: { orderId: string; sent: number; answered: number }[] = [];
  for (let i = 0; i < samples; i++) {
    const clientOrderId = `single-${i}`;
    const input = {
      marketId: 'h100',
      side: 'BID',
      gpus: 1,
      hours: 1,
      price: '1.50',
      clientOrderId,
      ...extra,
    };
    const sent = Date.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }',
        variables: { i: input },
      }),
    });
    const body = (await response.json()) as { data?: { placeOrder?: { id: string } }; errors?: unknown[] };
    const answered = Date.now();
    if (body.errors?.length || !body.data?.placeOrder)
      throw new Error(`single order ${clientOrderId} failed: ${JSON.stringify(body.errors)}`);
    placed.push({ orderId: body.data.placeOrder.id, sent, answered });
  }
  const log = await readLog(brokers, namespace);
  const timings: OrderTiming[] = placed.map(({ orderId, sent, answered }) => {
    // The client's own command (it has no cause): a bid's HoldFunds, or a PlaceOrder of old.
    const command = log.find((r) => r.orderId === orderId && !r.causationId);
    const chain = command ? causalOrder(log.filter((r) => r.correlationId === command.correlationId)) : [];
    const hops: { hop: string; ms: number }[] = [];
    let at = { name: 'client', time: sent };
    for (const r of chain) {
      const name = `${r.topic.split('.')[0]} ${r.type.split('.').pop()}`;
      hops.push({ hop: `${at.name} → ${name}`, ms: r.time - at.time });
      at = { name, time: r.time };
    }
    hops.push({ hop: `${at.name} → answer`, ms: answered - at.time });
    return { latencyMs: answered - sent, hops };
  });
  // The most common path (a bid that rests); its hops' medians.
  const pathOf = (t: OrderTiming) => t.hops.map((h) => h.hop).join(' | ');
  const counts = new Map<string, number>();
  for (const t of timings) counts.set(pathOf(t), (counts.get(pathOf(t)) ?? 0) + 1);
  const common = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
  const onPath = timings.filter((t) => pathOf(t) === common);
  const hops = (onPath[0]?.hops ?? []).map((h, i) => ({
    hop: h.hop,
    p50Ms: quantile(
      onPath.map((t) => t.hops[i]!.ms),
      0.5,
    ),
  }));
  const latencies = timings.map((t) => t.latencyMs);
  return {
    samples,
    singleOrderP50Ms: quantile(latencies, 0.5),
    singleOrderP99Ms: quantile(latencies, 0.99),
    latenciesMs: latencies,
    hops,
  };
}
