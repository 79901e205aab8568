import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import type { INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  GraphQLModule,
  GraphQLSchemaBuilderModule,
  GraphQLSchemaFactory,
  Query,
  Resolver,
} from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import { GraphQLError } from 'graphql';
import type { IncomingMessage } from 'node:http';
import { resolvers } from '../service';
import { AccessGuard, Caller, decide, Public, publicSubscriptions, Roles, rootFields } from './access';
import type { Principal, RequestContext } from './auth';
import { apiError } from './errors';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as GraphQLError).extensions['code'];
  }
  return 'none';
};

describe('every root field of the API carries an access decision', () => {
  it('each Query, Mutation and Subscription field is @Public() or @Roles(…), and only once', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [GraphQLSchemaBuilderModule] }).compile();
    await moduleRef.init();
    const schema = await moduleRef.get(GraphQLSchemaFactory).create(resolvers);
    const inSchema = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
      .flatMap((type) => (type ? Object.keys(type.getFields()).map((f) => `${type.name}.${f}`) : []))
      .sort();
    const fields = rootFields(resolvers);
    expect(fields.map((f) => `${f.operation}.${f.field}`).sort()).toEqual(inSchema);
    expect(fields.filter((f) => f.access === undefined).map((f) => `${f.resolver}.${f.field}`)).toEqual([]);
  });

  it('anonymous sockets may open exactly the public subscriptions: market data', () => {
    expect([...publicSubscriptions(resolvers)].sort()).toEqual([
      'bookUpdated',
      'tickerUpdated',
      'tradeExecuted',
    ]);
  });
});

describe('decide', () => {
  const buyer: Principal = { accountId: 'acc-1', roles: ['buyer'] };

  it('refuses a field without a decision, whoever calls (closed by default)', () => {
    expect(codeOf(() => decide(undefined, { principal: buyer }, 'x'))).toBe('FORBIDDEN');
  });

  it('lets anyone run a public field, with a valid key or none', () => {
    expect(decide({ public: true }, { principal: null }, 'x')).toBeNull();
    expect(decide({ public: true }, { principal: buyer }, 'x')).toBe(buyer);
  });

  it('refuses a public field to a key that was sent and refused: never served as anonymous', () => {
    const authError = apiError('UNAUTHENTICATED', 'unknown key');
    expect(() => decide({ public: true }, { principal: null, authError }, 'x')).toThrow(authError);
    const lookupFailed = apiError('UNAVAILABLE', 'the model is being rebuilt');
    expect(() => decide({ public: true }, { principal: null, authError: lookupFailed }, 'x')).toThrow(
      lookupFailed,
    );
  });

  it('needs a key holding one of the roles', () => {
    expect(codeOf(() => decide({ roles: ['buyer'] }, { principal: null }, 'x'))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => decide({ roles: ['admin'] }, { principal: buyer }, 'x'))).toBe('FORBIDDEN');
    expect(decide({ roles: ['admin', 'buyer'] }, { principal: buyer }, 'x')).toBe(buyer);
  });

  it("answers a refused key's own error, not a missing key's", () => {
    const authError = apiError('UNAUTHENTICATED', 'the API key is not valid');
    expect(() => decide({ roles: ['buyer'] }, { principal: null, authError }, 'x')).toThrow(authError);
  });
});

@Resolver()
class Probe {
  @Query(() => String)
  @Public()
  open(): string {
    return 'open';
  }

  @Query(() => String)
  @Roles('buyer')
  mine(@Caller() p: Principal): string {
    return p.accountId;
  }

  // Neither decorator: the guard must refuse it.
  @Query(() => String, { nullable: true })
  forgotten(): string {
    return 'leaked';
  }
}

describe('AccessGuard in a GraphQL server', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          context: ({ req }: { req: IncomingMessage }): RequestContext => ({
            principal:
              req.headers['authorization'] === 'buyer' ? { accountId: 'acc-1', roles: ['buyer'] } : null,
          }),
        }),
      ],
      providers: [Probe, { provide: APP_GUARD, useClass: AccessGuard }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/graphql`;
  });
  afterAll(() => app.close());

  const ask = async (query: string, authorization?: string) =>
    (await (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query }),
      })
    ).json()) as { data: Record<string, unknown> | null; errors?: { extensions: { code: string } }[] };

  it('runs a public field without a key', async () => {
    expect((await ask('{ open }')).data).toEqual({ open: 'open' });
  });

  it('runs a role field for a holder, handing it the caller', async () => {
    expect((await ask('{ mine }', 'buyer')).data).toEqual({ mine: 'acc-1' });
  });

  it('refuses a role field without a key', async () => {
    expect((await ask('{ mine }')).errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a field that carries no decision, even to a valid key', async () => {
    const answer = await ask('{ forgotten }', 'buyer');
    expect(answer.data).toEqual({ forgotten: null });
    expect(answer.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
  });
});
