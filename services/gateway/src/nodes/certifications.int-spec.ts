// A node's certification history through the real gateway, on a Redis of its own: each record of
// certificationRecords is a CertificationRecord with typed fields (its kind, when it was recorded,
// the challenge, the figures, why it failed), where certifications (kept, deprecated, for the
// clients written against it) answers a JSON scalar whose shape a client had to guess. The records are
// seeded as capacity's nodes projection writes them (the event's data, with ok and at), each
// checked against its event's contract first (a certificate recorded before NodeCertified v2
// against v1's, without the challenge and precision that v2 records); the connection pages as it did.
import {
  capacityReadModel as rm,
  nodeCertificationFailedSchema,
  nodeCertifiedSchema,
  nodeCertifiedV2Schema,
  spotChallengePassedSchema,
} from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import Redis from 'ioredis';
import { postGraphql, seedApiKey, startGateway } from '../gateway.fixture';

const ADMIN_KEY = 'certifications-int-spec-admin-key-0123456789';
const PROVIDER_KEY = 'certifications-int-spec-provider-key-0123456789';

const FIELDS = `kind recordedAt purpose challengeId precision method tflopsPerGpu tflopsF16PerGpu measuredTflops
  challengeSize efficiency tier expiresAt reason detail`;
const HISTORY = `query($after: String, $first: Int!) { gpuNode(id: "n1") { certificationRecords(first: $first, after: $after) {
  totalCount edges { cursor node { ${FIELDS} } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`;

interface History {
  totalCount: number;
  edges: { cursor: string; node: Record<string, unknown> }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
}

const node = { nodeId: 'n1', providerId: 'prov-1', marketId: 'm1', gpus: 8 };
const time = (s: number) => `2025-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
const EXPIRES = '2025-01-31T00:00:00.000Z';

/** The records, oldest first, as capacity's projection pushes them (nodes.projection.ts). */
const RECORDS = [
  // An admin's certificate, as recorded before measuredTflops and challengeSize were.
  {
    ...nodeCertifiedSchema.parse({
      ...node,
      tflopsPerGpu: { f32: 51.2 },
      efficiency: null,
      tier: 'bronze',
      expiresAt: EXPIRES,
      method: 'admin',
    }),
    ok: true,
    at: time(1),
  },
  {
    ...nodeCertificationFailedSchema.parse({
      nodeId: 'n1',
      challengeId: 'ch-1',
      purpose: 'certification',
      reason: 'ROW_MISMATCH',
      detail: 'leaf 3 of product 0: column 7 is not the product',
    }),
    ok: false,
    at: time(2),
  },
  // A certificate by challenge recorded before v2: it names no challenge and no precision.
  {
    ...nodeCertifiedSchema.parse({
      ...node,
      tflopsPerGpu: { f32: 40.5, f16: 120.25 },
      measuredTflops: 324,
      challengeSize: 4096,
      efficiency: 0.6,
      tier: 'gold',
      expiresAt: EXPIRES,
      method: 'challenge',
    }),
    ok: true,
    at: time(3),
  },
  {
    ...spotChallengePassedSchema.parse({ nodeId: 'n1', challengeId: 'sp-1', measuredTflops: 300.5 }),
    purpose: 'spot',
    ok: true,
    at: time(4),
  },
  {
    ...nodeCertificationFailedSchema.parse({
      nodeId: 'n1',
      challengeId: 'sp-2',
      purpose: 'spot',
      reason: 'DEADLINE_MISSED',
      detail: 'committed 3 s after the deadline',
    }),
    ok: false,
    at: time(5),
  },
  // Certificates by challenge since v2: each names its challenge and the precision it measured.
  {
    ...nodeCertifiedV2Schema.parse({
      ...node,
      tflopsPerGpu: { f32: 42, f16: 120.25 },
      measuredTflops: 336,
      challengeSize: 4096,
      efficiency: 0.62,
      tier: 'gold',
      expiresAt: EXPIRES,
      method: 'challenge',
      challengeId: 'ch-2',
      precision: 'f32',
    }),
    ok: true,
    at: time(6),
  },
  {
    ...nodeCertifiedV2Schema.parse({
      ...node,
      tflopsPerGpu: { f32: 42, f16: 125.5 },
      measuredTflops: 1004,
      challengeSize: 4096,
      efficiency: 0.62,
      tier: 'gold',
      expiresAt: EXPIRES,
      method: 'challenge',
      challengeId: 'ch-3',
      precision: 'f16',
    }),
    ok: true,
    at: time(7),
  },
];

const NONE = {
  purpose: null,
  challengeId: null,
  precision: null,
  method: null,
  tflopsPerGpu: null,
  tflopsF16PerGpu: null,
  measuredTflops: null,
  challengeSize: null,
  efficiency: null,
  tier: null,
  expiresAt: null,
  reason: null,
  detail: null,
};

/** What the API answers for RECORDS, newest first. */
const EXPECTED = [
  {
    ...NONE,
    kind: 'CERTIFIED',
    recordedAt: time(7),
    purpose: 'CERTIFICATION',
    challengeId: 'ch-3',
    precision: 'f16',
    method: 'challenge',
    tflopsPerGpu: 42,
    tflopsF16PerGpu: 125.5,
    measuredTflops: 1004,
    challengeSize: 4096,
    efficiency: 0.62,
    tier: 'gold',
    expiresAt: EXPIRES,
  },
  {
    ...NONE,
    kind: 'CERTIFIED',
    recordedAt: time(6),
    purpose: 'CERTIFICATION',
    challengeId: 'ch-2',
    precision: 'f32',
    method: 'challenge',
    tflopsPerGpu: 42,
    tflopsF16PerGpu: 120.25,
    measuredTflops: 336,
    challengeSize: 4096,
    efficiency: 0.62,
    tier: 'gold',
    expiresAt: EXPIRES,
  },
  {
    ...NONE,
    kind: 'FAILED',
    recordedAt: time(5),
    purpose: 'SPOT',
    challengeId: 'sp-2',
    reason: 'DEADLINE_MISSED',
    detail: 'committed 3 s after the deadline',
  },
  {
    ...NONE,
    kind: 'SPOT_PASSED',
    recordedAt: time(4),
    purpose: 'SPOT',
    challengeId: 'sp-1',
    measuredTflops: 300.5,
  },
  {
    ...NONE,
    kind: 'CERTIFIED',
    recordedAt: time(3),
    purpose: 'CERTIFICATION',
    method: 'challenge',
    tflopsPerGpu: 40.5,
    tflopsF16PerGpu: 120.25,
    measuredTflops: 324,
    challengeSize: 4096,
    efficiency: 0.6,
    tier: 'gold',
    expiresAt: EXPIRES,
  },
  {
    ...NONE,
    kind: 'FAILED',
    recordedAt: time(2),
    purpose: 'CERTIFICATION',
    challengeId: 'ch-1',
    reason: 'ROW_MISMATCH',
    detail: 'leaf 3 of product 0: column 7 is not the product',
  },
  {
    ...NONE,
    kind: 'CERTIFIED',
    recordedAt: time(1),
    method: 'admin',
    tflopsPerGpu: 51.2,
    tier: 'bronze',
    expiresAt: EXPIRES,
  },
];

describe("a node's certifications are typed records", () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let seed: Redis;

  const gql = (query: string, variables: Record<string, unknown> = {}) =>
    postGraphql(gateway.url, query, { key: PROVIDER_KEY, variables });

  const history = async (variables: Record<string, unknown>): Promise<History> => {
    const answer = await gql(HISTORY, variables);
    expect(answer.errors).toBeUndefined();
    return (answer.data as { gpuNode: { certificationRecords: History } }).gpuNode.certificationRecords;
  };

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    gateway = await startGateway(redis, ADMIN_KEY);
    await seedApiKey(redis, PROVIDER_KEY, 'prov-1', 'provider');
    seed = new Redis(redis.url);
    await seed.hset(rm.node('n1'), {
      providerId: 'prov-1',
      marketId: 'm1',
      gpuModel: 'H100-80GB',
      gpus: '8',
      region: 'eu-west',
      status: 'CERTIFIED',
      registeredAt: time(0),
    });
    for (const record of RECORDS) await seed.rpush(rm.certifications('n1'), JSON.stringify(record));
  });

  afterAll(async () => {
    seed?.disconnect();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('answers each kind of record with its fields, newest first, and null where a field does not apply', async () => {
    const all = await history({ first: 10 });
    expect(all.totalCount).toBe(7);
    expect(all.edges.map((e) => e.node)).toEqual(EXPECTED);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('pages as it did: by position, newest first, from cursor to cursor', async () => {
    const first = await history({ first: 3 });
    expect(first.edges.map((e) => e.node)).toEqual(EXPECTED.slice(0, 3));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await history({ first: 3, after: first.pageInfo.endCursor });
    expect(second.edges.map((e) => e.node)).toEqual(EXPECTED.slice(3, 6));
    const third = await history({ first: 3, after: second.pageInfo.endCursor });
    expect(third.edges.map((e) => e.node)).toEqual(EXPECTED.slice(6));
    expect(third.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('is an object type: a record is selected field by field, not read whole as JSON', async () => {
    const whole = await gql('{ gpuNode(id: "n1") { certificationRecords(first: 1) { edges { node } } } }');
    expect(whole.data).toBeUndefined();
    expect(whole.errors?.[0]?.message).toBe(
      'Field "node" of type "CertificationRecord!" must have a selection of subfields. Did you mean "node { ... }"?',
    );
    const typed = await gql(
      '{ __type(name: "CertificationRecordEdge") { fields { name type { ofType { name kind } } } } }',
    );
    expect(typed.data).toEqual({
      __type: {
        fields: [
          { name: 'cursor', type: { ofType: { name: 'String', kind: 'SCALAR' } } },
          { name: 'node', type: { ofType: { name: 'CertificationRecord', kind: 'OBJECT' } } },
        ],
      },
    });
  });

  it('still answers certifications as it did, each record JSON, deprecated for certificationRecords; a cursor of one pages the other', async () => {
    const old = await gql(
      '{ gpuNode(id: "n1") { certifications(first: 2) { edges { node } pageInfo { endCursor } } } }',
    );
    expect(old.errors).toBeUndefined();
    const page = (
      old.data as {
        gpuNode: { certifications: { edges: { node: unknown }[]; pageInfo: { endCursor: string } } };
      }
    ).gpuNode.certifications;
    expect(page.edges.map((e) => e.node)).toEqual(RECORDS.slice(-2).reverse());
    const field = await gql(
      '{ __type(name: "GpuNode") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }',
    );
    const fields = (
      field.data as {
        __type: { fields: { name: string; isDeprecated: boolean; deprecationReason: string | null }[] };
      }
    ).__type.fields;
    expect(fields.find((f) => f.name === 'certifications')).toMatchObject({
      isDeprecated: true,
      deprecationReason: expect.stringContaining('certificationRecords'),
    });
    expect(fields.find((f) => f.name === 'certificationRecords')).toMatchObject({ isDeprecated: false });
    const next = await history({ first: 10, after: page.pageInfo.endCursor });
    expect(next.edges.map((e) => e.node)).toEqual(EXPECTED.slice(2));
  });
});
