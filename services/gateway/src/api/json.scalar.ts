import { jsonDepth, MAX_JSON_DEPTH } from '@gpux/contracts';
import { GraphQLScalarType, Kind, ValueNode } from 'graphql';
import { apiError } from './errors';

const MAX_JSON_BYTES = 4 * 1024 * 1024;

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literal(f.value)]));
    default:
      throw apiError('BAD_USER_INPUT', 'a JSON value cannot hold variables');
  }
}

const tooDeep = () =>
  apiError(
    'BAD_USER_INPUT',
    `must nest at most ${MAX_JSON_DEPTH} levels deep (arrays and objects inside one another)`,
  );

/** A JSON object: the certification protocol's messages travel as they are (libs/certification). */
export const GraphQLJSON = new GraphQLScalarType({
  name: 'JSON',
  description:
    'A JSON object: a message of the certification protocol as it defines it (libs/certification: Challenge, Commitment, OpenRequest, Opening), or a certification record as capacity keeps it (GpuNode.certifications, deprecated: GpuNode.certificationRecords types it).',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw apiError('BAD_USER_INPUT', 'must be a JSON object');
    // Before anything walks it recursively (JSON.stringify below, the command's fingerprint).
    if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw tooDeep();
    if (JSON.stringify(value).length > MAX_JSON_BYTES)
      throw apiError('BAD_USER_INPUT', `must be at most ${MAX_JSON_BYTES} bytes of JSON`);
    return value;
  },
  parseLiteral: (node) => {
    const value = literal(node);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw apiError('BAD_USER_INPUT', 'must be a JSON object');
    if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw tooDeep();
    return value;
  },
});
