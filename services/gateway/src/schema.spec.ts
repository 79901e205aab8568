import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import {
  buildSchema,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';
import { describeRootTypes } from './api/root-types';
import { resolvers } from './service';

// services/gateway/schema.graphql is the checked-in, reviewed API. It must be exactly what the
// resolvers produce: regenerate it with `UPDATE_SCHEMA=1 npx nx test gateway`.
const SCHEMA_FILE = join(__dirname, '../schema.graphql');

let schema: GraphQLSchema;
beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({ imports: [GraphQLSchemaBuilderModule] }).compile();
  await moduleRef.init();
  // As the gateway serves it: its root types described (service.ts, transformSchema).
  schema = describeRootTypes(await moduleRef.get(GraphQLSchemaFactory).create(resolvers));
});

it('schema.graphql matches the schema the resolvers define', () => {
  const generated = printSchema(lexicographicSortSchema(schema)) + '\n';
  if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(SCHEMA_FILE, generated);
  expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(generated);
});

/**
 * Every place of the schema a client reads a description at that has none (or only blanks): each
 * type but the built-in scalars (String, Int, Float, Boolean, ID), each field and its arguments,
 * each input field, each enum value.
 */
function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const check = (where: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(where);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    check(`type ${type.name}`, type.description);
    if (isObjectType(type) || isInterfaceType(type))
      for (const field of Object.values(type.getFields())) {
        check(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name})`, arg.description);
      }
    if (isInputObjectType(type))
      for (const field of Object.values(type.getFields()))
        check(`${type.name}.${field.name}`, field.description);
    if (isEnumType(type))
      for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
  }
  return missing;
}

it('describes every type, field, argument, input field and enum value of the schema', () => {
  const missing = undescribed(schema);
  if (missing.length > 0)
    throw new Error(
      `Without a description (${missing.length}): give each one in the code-first source (the description of its @Field, @ObjectType, @InputType, @Args, or its registerEnumType valuesMap):\n  ${missing.join('\n  ')}`,
    );
});

it('the check finds each kind of place without a description, and passes the built-in scalars', () => {
  const bare = buildSchema(`
    """Described."""
    type Query {
      """Described."""
      a(x: Int, """Described.""" y: ID): Mode
      b(input: In): String
    }
    enum Mode {
      """Described."""
      ON
      OFF
    }
    """ """
    input In {
      f: Boolean
      """Described."""
      g: Float
    }
  `);
  expect(undescribed(bare)).toEqual([
    'Query.a(x)',
    'Query.b',
    'Query.b(input)',
    'type Mode',
    'Mode.OFF',
    'type In',
    'In.f',
  ]);
});
