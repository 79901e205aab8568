// A caller's error is its answer, not the gateway's fault: Nest's ExceptionsHandler logged every
// GraphQLError a resolver threw at error level with its stack, so any client could fill the error
// log (a NOT_FOUND per request). A real gateway on a Redis of its own; Nest's logger observed.
import { Logger } from '@nestjs/common';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import { postGraphql, seedApiKey, seedMarket, startGateway } from '../gateway.fixture';

const ADMIN_KEY = 'client-errors-int-spec-admin-key-0123456789';
const BUYER_KEY = 'client-errors-int-spec-buyer-key-0123456789';

describe("a client's errors in the gateway's log", () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    await gateway?.app.close();
    await redis?.stop();
  });

  it('answers a NOT_FOUND with its code and logs nothing at error level for it', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error');
    try {
      const answer = await postGraphql(gateway.url, 'mutation { cancelOrder(orderId: "nowhere") { id } }', {
        key: BUYER_KEY,
      });
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'orderId' });
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });
});
