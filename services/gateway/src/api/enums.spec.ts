import { Test } from '@nestjs/testing';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { GraphQLSchema, isEnumType } from 'graphql';
import {
  challengePurposeSchema,
  LEASE_STATUSES,
  MARKET_STATUSES,
  NODE_STATUSES,
  nodeCertificationFailedSchema,
  nodeCertifiedSchema,
  orderCancelledSchema,
  precisionSchema,
  slaBreachReasonSchema,
} from '@gpux/contracts';
import { resolvers } from '../service';

// Every value a contract allows (and so a read model can hold) must be a value of its enum: one
// missing would fail the query that reads it. Values go on the wire as the contracts spell them.
const CONTRACT_VALUES: [string, readonly string[]][] = [
  ['MarketStatus', MARKET_STATUSES],
  ['NodeStatus', NODE_STATUSES],
  ['SuspendedReason', slaBreachReasonSchema.options],
  ['CertificationMethod', nodeCertifiedSchema.shape.method.options],
  ['NodeTier', nodeCertifiedSchema.shape.tier.options],
  ['Precision', precisionSchema.options],
  ['LeaseStatus', LEASE_STATUSES],
  ['ChallengePurpose', challengePurposeSchema.options.map((p) => p.toUpperCase())],
  ['ChallengeFailureReason', nodeCertificationFailedSchema.shape.reason.options],
  ['CancelReason', orderCancelledSchema.shape.reason.options],
];

let schema: GraphQLSchema;
beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({ imports: [GraphQLSchemaBuilderModule] }).compile();
  await moduleRef.init();
  schema = await moduleRef.get(GraphQLSchemaFactory).create(resolvers);
});

describe.each(CONTRACT_VALUES)('enum %s', (name, values) => {
  it('has exactly the values its contract allows, spelled as the contract spells them', () => {
    const type = schema.getType(name);
    if (!isEnumType(type)) throw new Error(`${name} is not an enum of the schema`);
    expect(
      type
        .getValues()
        .map((v) => v.name)
        .sort(),
    ).toEqual([...values].sort());
    // What the resolvers hand over is what goes on the wire.
    for (const v of values) expect(type.serialize(v)).toBe(v);
  });
});

it('the fields that held these values as strings are the enums now', () => {
  const fieldType = (type: string, field: string) =>
    String(
      (schema.getType(type) as { getFields(): Record<string, { type: unknown }> }).getFields()[field]!.type,
    );
  expect({
    market: fieldType('Market', 'status'),
    node: fieldType('GpuNode', 'status'),
    suspendedReason: fieldType('GpuNode', 'suspendedReason'),
    certifiedBy: fieldType('GpuNode', 'certifiedBy'),
    tier: fieldType('GpuNode', 'tier'),
    filter: fieldType('NodesFilter', 'status'),
    lease: fieldType('Lease', 'status'),
    purpose: fieldType('ChallengeTicket', 'purpose'),
    verdict: fieldType('ChallengeVerdict', 'reason'),
    cancelReason: fieldType('Order', 'cancelReason'),
    heartbeat: fieldType('HeartbeatAck', 'status'),
    session: fieldType('WorkerSession', 'status'),
    precision: fieldType('WorkerSession', 'precision'),
  }).toEqual({
    market: 'MarketStatus!',
    node: 'NodeStatus!',
    suspendedReason: 'SuspendedReason',
    certifiedBy: 'CertificationMethod',
    tier: 'NodeTier',
    filter: 'NodeStatus',
    lease: 'LeaseStatus!',
    purpose: 'ChallengePurpose!',
    verdict: 'ChallengeFailureReason',
    cancelReason: 'CancelReason',
    heartbeat: 'NodeStatus!',
    session: 'NodeStatus!',
    precision: 'Precision!',
  });
});
