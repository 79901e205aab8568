import { jsonDepth, MAX_JSON_DEPTH } from '@gpux/contracts';
import { ASTNode, GraphQLScalarType, Kind, ValueNode } from 'graphql';
import { apiError } from './errors';
import { refused } from './scalars';

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
    // Refused at the node at fault, as the other scalars' literals are (scalars.ts): its location,
    // and the field it is written in (literalFieldPlugin), where these once named neither.
    case Kind.ENUM:
      throw refused(`JSON has no bare names: write ${node.value} as a string, "${node.value}"`, node);
    case Kind.VARIABLE:
      throw refused(
        `a JSON value written in the document cannot hold a variable ($${node.name.value}): pass the whole JSON object as one variable instead`,
        node,
      );
  }
}

const DEEP = `must nest at most ${MAX_JSON_DEPTH} levels deep (arrays and objects inside one another)`;
const tooDeep = (node?: ASTNode) => (node ? refused(DEEP, node) : apiError('BAD_USER_INPUT', DEEP));

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
      throw refused('must be a JSON object', node);
    if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw tooDeep(node);
    return value;
  },
});
