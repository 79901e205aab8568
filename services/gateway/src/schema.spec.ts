import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { resolvers } from './service';

// services/gateway/schema.graphql is the checked-in, reviewed API. It must be exactly what the
// resolvers produce: regenerate it with `UPDATE_SCHEMA=1 npx nx test gateway`.
const SCHEMA_FILE = join(__dirname, '../schema.graphql');

it('schema.graphql matches the schema the resolvers define', async () => {
  const moduleRef = await Test.createTestingModule({ imports: [GraphQLSchemaBuilderModule] }).compile();
  await moduleRef.init();
  const schema = await moduleRef.get(GraphQLSchemaFactory).create(resolvers);
  const generated = printSchema(lexicographicSortSchema(schema)) + '\n';
  if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(SCHEMA_FILE, generated);
  expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(generated);
});
