import { Test } from '@nestjs/testing';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import {
  getNamedType,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { LEDGER_ENTRY_KINDS } from '@gpux/contracts';
import { resolvers } from './service';

// The bars of the API's types (issue 14), checked over the schema the resolvers define: a value
// that can only be one of a few is an enum, and a point in time is a DateTime.

let schema: GraphQLSchema;
beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({ imports: [GraphQLSchemaBuilderModule] }).compile();
  await moduleRef.init();
  schema = await moduleRef.get(GraphQLSchemaFactory).create(resolvers);
});

interface Place {
  where: string;
  name: string;
  type: string;
  description: string;
}

/** Every field, argument and input field of the schema's own types. */
function places(): Place[] {
  const out: Place[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type)) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        out.push({
          where: `${type.name}.${field.name}`,
          name: field.name,
          type: getNamedType(field.type).name,
          description: field.description ?? '',
        });
        for (const arg of field.args)
          out.push({
            where: `${type.name}.${field.name}(${arg.name})`,
            name: arg.name,
            type: getNamedType(arg.type).name,
            description: arg.description ?? '',
          });
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        out.push({
          where: `${type.name}.${field.name}`,
          name: field.name,
          type: getNamedType(field.type).name,
          description: field.description ?? '',
        });
    }
  }
  return out;
}

/**
 * A description that lists the values a field can take: "a, b or c", "A | B", "one of …", or a
 * value in capitals or quotes named as a possibility ("FOO or BAR").
 */
export function listsValues(description: string): boolean {
  const word = String.raw`[\w-]+`;
  return (
    new RegExp(String.raw`(^|[:(]\s*)${word}(, ${word})+,? or ${word}\.?$`).test(description) ||
    new RegExp(String.raw`\b[A-Z][A-Z_]+( \| | or )[A-Z][A-Z_]+\b`).test(description) ||
    /\bone of\b/i.test(description)
  );
}

describe('the rule that finds a description listing values', () => {
  it.each([
    'deposit, withdrawal, hold, release, lease, charge, earnings, fee or sla-credit.',
    'CERTIFICATION or SPOT.',
    'The status: ACTIVE | ENDED',
    'one of the tiers',
  ])('finds %j', (d) => expect(listsValues(d)).toBe(true));
  it.each([
    'The declared GPU model, e.g. H100-80GB.',
    'What it is about: a wire reference, an order or a lease.',
    'Send it as "Authorization: Bearer <key>".',
  ])('passes %j', (d) => expect(listsValues(d)).toBe(false));
});

it('no String field, argument or input field lists its possible values in its description', () => {
  const strings = places().filter((p) => p.type === 'String' && listsValues(p.description));
  expect(strings.map((p) => `${p.where}: ${p.description}`)).toEqual([]);
});

it('every field that names a point in time is a DateTime', () => {
  const time = /(^time$|^start$|^end$|At$|Until$|Time$)/;
  const times = places().filter((p) => time.test(p.name));
  expect(times.length).toBeGreaterThan(10);
  expect(times.filter((p) => p.type !== 'DateTime').map((p) => `${p.where}: ${p.type}`)).toEqual([]);
});

it("LedgerEntry.kind is the LedgerEntryKind enum, one value per kind of the read model's ledger", () => {
  const kind = schema.getType('LedgerEntryKind');
  if (!isEnumType(kind)) throw new Error('LedgerEntryKind is not an enum');
  expect(
    String(
      (schema.getType('LedgerEntry') as { getFields(): Record<string, { type: unknown }> }).getFields()[
        'kind'
      ]!.type,
    ),
  ).toBe('LedgerEntryKind!');
  // The read model's spelling goes in, the enum's name comes out.
  expect(LEDGER_ENTRY_KINDS.map((k) => kind.serialize(k))).toEqual([
    'DEPOSIT',
    'WITHDRAWAL',
    'HOLD',
    'RELEASE',
    'LEASE',
    'CHARGE',
    'EARNINGS',
    'FEE',
    'SLA_CREDIT',
  ]);
  expect(kind.getValues()).toHaveLength(LEDGER_ENTRY_KINDS.length);
});

// The worker's protocol steps: each is keyed by its session or challenge, and a worker whose step
// failed starts over (workers.resolver.ts PROTOCOL_STEP); every other mutation creates or moves
// something, and takes the one idempotencyKey argument.
const PROTOCOL_STEPS = [
  'joinSession',
  'requestCertification',
  'commitChallenge',
  'answerChallenge',
  'heartbeat',
  'leaveSession',
];

it('every mutation that creates or moves something takes the same idempotencyKey argument', () => {
  const mutations = Object.values(schema.getMutationType()!.getFields());
  expect(mutations.length).toBeGreaterThan(15);
  const without = mutations
    .filter((m) => !m.args.some((a) => a.name === 'idempotencyKey'))
    .map((m) => m.name);
  expect(without.sort()).toEqual([...PROTOCOL_STEPS].sort());
  for (const m of mutations.filter((m) => !PROTOCOL_STEPS.includes(m.name))) {
    const key = m.args.find((a) => a.name === 'idempotencyKey')!;
    expect([m.name, String(key.type)]).toEqual([m.name, 'String']);
    expect(key.description).toMatch(/^(Repeat it to retry safely|Makes it happen at most once)/);
  }
  for (const name of PROTOCOL_STEPS)
    expect(schema.getMutationType()!.getFields()[name]!.description).toMatch(/takes no idempotencyKey/);
});

it('a mutation that shows a secret once says how to recover when its answer is lost', () => {
  const secret = ['createApiKey', 'registerNode', 'rotateNodeCredential'];
  for (const name of secret) {
    const m = schema.getMutationType()!.getFields()[name]!;
    expect([name, m.description]).toEqual([name, expect.stringMatching(/If the answer is lost/)]);
    expect(m.args.find((a) => a.name === 'idempotencyKey')!.description).toMatch(/cannot show it again/);
  }
});

// Several mutations in one request run one after another, each its own command. A non-null answer
// would turn one refusal into `data: null` for the whole request, hiding what the ones before it
// did and skipping the ones after; nullable, each answers on its own (its error names it by path).
it('every mutation answers on its own: its type is nullable', () => {
  const mutations = Object.values(schema.getMutationType()!.getFields());
  expect(mutations.filter((m) => isNonNullType(m.type)).map((m) => `${m.name}: ${String(m.type)}`)).toEqual(
    [],
  );
});
