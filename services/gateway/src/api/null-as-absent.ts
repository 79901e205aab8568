import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import {
  getNullableType,
  GraphQLArgument,
  GraphQLInputField,
  GraphQLInputType,
  GraphQLResolveInfo,
  isInputObjectType,
  isListType,
  isObjectType,
} from 'graphql';
import type { Observable } from 'rxjs';

/*
 * GraphQL lets a client send an optional argument or input field as an explicit null
 * (`idempotencyKey: null`, `filter: { minTflops: null }`, `input: { clientOrderId: null }`), and
 * graphql-js hands it to the resolver as null. The resolvers are written for "given or absent"
 * (`string | undefined`, `!== undefined`): a null idempotencyKey reached its length check and was
 * answered INTERNAL_SERVER_ERROR, a null clientOrderId beside an idempotencyKey was refused as naming
 * the same thing twice, a null minGpusPerNode as "must be a number", and a null minTflops listed
 * certified nodes only, as if it were 0. No argument of this API gives null a meaning of its own,
 * so a null is what it says to a client: no value. Before a root field's resolver runs, each null
 * argument or input field (at any depth) is made what leaving it out makes it: its default where
 * the schema has one, absent otherwise. Scalars are left whole (a JSON certification message keeps
 * its nulls), and so are a list's items (the schema decides whether a list may hold a null).
 */

type Definition = GraphQLArgument | GraphQLInputField;

/** `values` (a field's arguments, an input object) with each null made absent or its default, in place. */
export function nullsAsAbsent(values: Record<string, unknown>, definitions: readonly Definition[]): void {
  for (const definition of definitions) {
    const { name } = definition;
    if (!Object.prototype.hasOwnProperty.call(values, name)) continue;
    const value = values[name];
    if (value === null) {
      if (definition.defaultValue === undefined) delete values[name];
      else values[name] = definition.defaultValue;
    } else within(value, definition.type);
  }
}

function within(value: unknown, type: GraphQLInputType): void {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (Array.isArray(value)) for (const item of value) within(item, nullable.ofType);
  } else if (isInputObjectType(nullable) && typeof value === 'object' && value !== null) {
    nullsAsAbsent(value as Record<string, unknown>, Object.values(nullable.getFields()));
  }
}

/** nullsAsAbsent on every root field's arguments (queries, mutations, subscriptions). */
@Injectable()
export class NullAsAbsentInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<string>() === 'graphql') {
      const gql = GqlExecutionContext.create(context);
      const info = gql.getInfo<GraphQLResolveInfo | undefined>();
      const args = gql.getArgs<Record<string, unknown> | undefined>();
      const parent = info?.parentType;
      const field = parent && isObjectType(parent) ? parent.getFields()[info.fieldName] : undefined;
      if (field && args && typeof args === 'object') nullsAsAbsent(args, field.args);
    }
    return next.handle();
  }
}
