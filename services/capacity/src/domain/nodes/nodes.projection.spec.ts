import { capacityReadModel as rm, Envelope, RegisterNode } from '@gpux/contracts';
import { applyOps, Model, RedisOp } from '@gpux/eventsourcing/domain';
import { nodeView } from '@gpux/read-models';
import { NodeEvent } from './node.decider';
import { nodesProjection } from './nodes.projection';

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1_000).toISOString();
const hashOf = 'b'.repeat(64);
const registration: RegisterNode = {
  nodeId: 'n1',
  providerId: 'prov-1',
  gpuModel: 'H100-80GB',
  gpus: 8,
  region: 'eu-west',
  marketId: 'H100',
  credentialHash: hashOf,
};
const envelope = (e: NodeEvent, time: string, id: string = e.type): Envelope => ({
  id,
  type: e.type,
  source: 'capacity',
  subject: 'n1',
  time,
  schemaVersion: 1,
  correlationId: 'c',
  causationId: 'c',
  data: e.data,
});
const registered: NodeEvent = { type: 'capacity.NodeRegistered', data: registration };
const certified = (
  extra: Partial<Extract<NodeEvent, { type: 'capacity.NodeCertified' }>['data']> = {},
): NodeEvent => ({
  type: 'capacity.NodeCertified',
  data: {
    nodeId: 'n1',
    providerId: 'prov-1',
    marketId: 'H100',
    gpus: 8,
    tflopsPerGpu: { f32: 312.5 },
    efficiency: null,
    tier: 'bronze',
    expiresAt: '2026-07-01T12:00:00.000Z',
    method: 'admin',
    ...extra,
  },
});

describe('nodes projection', () => {
  const projection = nodesProjection('capacity.events', 'orders.events');
  const project = (events: Envelope[]) => {
    const model: Model = new Map();
    const ops: RedisOp[] = [];
    for (const e of events) {
      const some = projection.apply(e);
      ops.push(...some);
      applyOps(model, some);
    }
    return { model, ops };
  };
  const hash = (model: Model, key: string) =>
    Object.fromEntries((model.get(key) as Map<string, string> | undefined)?.entries() ?? []);

  it('lists a registered node, uncertified, for its provider and everyone, and maps its credential to it', () => {
    const { model } = project([envelope(registered, at(1))]);
    expect(hash(model, rm.node('n1'))).toEqual({
      providerId: 'prov-1',
      gpuModel: 'H100-80GB',
      gpus: '8',
      region: 'eu-west',
      marketId: 'H100',
      status: 'UNCERTIFIED',
      registeredAt: at(1),
    });
    expect(hash(model, rm.providerNodes('prov-1'))).toEqual({ n1: String(Date.parse(at(1))) });
    expect(hash(model, rm.nodes)).toEqual({ n1: String(Date.parse(at(1))) });
    expect(hash(model, rm.credential(hashOf))).toEqual({ nodeId: 'n1' });
  });

  it('records a certification on the node and in its history', () => {
    const { model } = project([envelope(registered, at(1)), envelope(certified(), at(2))]);
    expect(hash(model, rm.node('n1'))).toMatchObject({
      status: 'CERTIFIED',
      tflopsF32: '312.5',
      efficiency: '',
      tier: 'bronze',
      expiresAt: '2026-07-01T12:00:00.000Z',
      certifiedBy: 'admin',
    });
    expect(hash(model, rm.node('n1'))['tflopsF16']).toBeUndefined();
    // What CapacityQueries (libs/read-models) reads of it: the gateway's node, offline without a
    // session, EXPIRED once past its certificate.
    const view = (now: string) => nodeView('n1', hash(model, rm.node('n1')), null, null, Date.parse(now));
    expect(view(at(3))).toMatchObject({
      nodeId: 'n1',
      providerId: 'prov-1',
      gpus: 8,
      status: 'CERTIFIED',
      online: false,
      tflopsPerGpu: 312.5,
      tier: 'bronze',
      certifiedUntil: '2026-07-01T12:00:00.000Z',
      certifiedBy: 'admin',
    });
    expect(view(at(3))).not.toHaveProperty('efficiency');
    expect(view('2026-07-01T12:00:00.000Z')?.status).toBe('EXPIRED');
    expect((model.get(rm.certifications('n1')) as string[]).map((c) => JSON.parse(c) as unknown)).toEqual([
      { ...certified().data, ok: true, at: at(2) },
    ]);
  });

  it('keeps in the history the challenge and the precision a certificate by challenge measured, as the event has them', () => {
    const byChallenge = certified({
      method: 'challenge',
      tflopsPerGpu: { f32: 312.5, f16: 700 },
      measuredTflops: 5_600,
      challengeSize: 4096,
      challengeId: 'ch-7',
      precision: 'f16',
    });
    const { model } = project([envelope(registered, at(1)), envelope(byChallenge, at(2))]);
    const history = (model.get(rm.certifications('n1')) as string[]).map((c) => JSON.parse(c) as unknown);
    expect(history).toEqual([{ ...byChallenge.data, ok: true, at: at(2) }]);
    expect(history[0]).toMatchObject({ challengeId: 'ch-7', precision: 'f16' });
  });

  it('reads a node online while its last heartbeat is fresher than twice its session’s timeout: the beat is kept a day', () => {
    const joined = {
      ...hash(project([envelope(registered, at(1))]).model, rm.node('n1')),
      sessionId: 's1',
      sessionHeartbeatIntervalMs: '5000',
      sessionHeartbeatTimeoutMs: '20000',
    };
    const beat = at(10);
    const online = (ms: number) => nodeView('n1', joined, beat, '1', Date.parse(beat) + ms)?.online;
    expect(online(0)).toBe(true);
    expect(online(40_000)).toBe(true);
    expect(online(40_001)).toBe(false);
    // Without a session, or without a beat: offline; a session that recorded no timeout: the beat's presence.
    expect(nodeView('n1', joined, beat, null, Date.parse(beat))?.online).toBe(false);
    expect(nodeView('n1', joined, null, '1', Date.parse(beat))?.online).toBe(false);
    const { sessionHeartbeatTimeoutMs: _timeout, ...untimed } = joined;
    expect(nodeView('n1', untimed, beat, '1', Date.parse(beat) + 3_600_000)?.online).toBe(true);
  });

  it('keeps every certification in order, the node showing the latest, with nothing left from an earlier one', () => {
    const challenge = certified({
      tflopsPerGpu: { f32: 330, f16: 700 },
      efficiency: 0.42,
      tier: 'silver',
      method: 'challenge',
      challengeSize: 4096,
    });
    expect(
      hash(project([envelope(registered, at(1)), envelope(challenge, at(2), 'c1')]).model, rm.node('n1')),
    ).toMatchObject({
      tflopsF32: '330',
      tflopsF16: '700',
      challengeSize: '4096',
      efficiency: '0.42',
      tier: 'silver',
      certifiedBy: 'challenge',
    });
    // What the gateway's node reads of it: the size its f32 figure was measured at.
    const byChallenge = hash(
      project([envelope(registered, at(1)), envelope(challenge, at(2), 'c1')]).model,
      rm.node('n1'),
    );
    expect(nodeView('n1', byChallenge, null, null, Date.parse(at(3)))).toMatchObject({ challengeSize: 4096 });
    const { model } = project([
      envelope(registered, at(1)),
      envelope(challenge, at(2), 'c1'),
      envelope(certified({ tflopsPerGpu: { f32: 300 } }), at(3), 'c2'),
    ]);
    const node = hash(model, rm.node('n1'));
    expect(node).toMatchObject({
      status: 'CERTIFIED',
      tflopsF32: '300',
      efficiency: '',
      tier: 'bronze',
      certifiedBy: 'admin',
    });
    // The later certificate has no f16 figure and no size (as before certificates recorded one):
    // the earlier certificate's are not its own.
    expect(node['tflopsF16']).toBeUndefined();
    expect(node['challengeSize']).toBeUndefined();
    expect(nodeView('n1', node, null, null, Date.parse(at(4)))).not.toHaveProperty('challengeSize');
    expect(
      (model.get(rm.certifications('n1')) as string[]).map((c) => (JSON.parse(c) as { at: string }).at),
    ).toEqual([at(2), at(3)]);
  });

  it('writes only under its key prefix, and ignores events it does not fold', () => {
    const { ops } = project([
      envelope(registered, at(1)),
      envelope(certified({ tflopsPerGpu: { f32: 1, f16: 2 } }), at(2)),
    ]);
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.filter((o) => !o.key.startsWith(projection.keyPrefix))).toEqual([]);
    expect(projection.keyPrefix).toBe('capacity:');
    expect(
      projection.apply({
        ...envelope(registered, at(1)),
        type: 'capacity.CommandRejected',
        data: { commandType: 'capacity.RegisterNode', code: 'ALREADY_EXISTS', message: 'no' },
      }),
    ).toEqual([]);
  });
});
