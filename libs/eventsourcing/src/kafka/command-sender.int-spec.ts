import { settlementMessages, settlementReadModel } from '@gpux/contracts';
import { DedicatedRedis, infraEnv, uniqueName } from '@gpux/testing';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { resetReadModel } from '../redis/reset';
import { CommandSender, IdempotencyKeyReusedError } from './command-sender';

// The sender's idempotency reservations live outside every read model: a reset of the service's
// read model (a rebuild from offset zero) leaves them, so a key reused for another request is
// still refused before it is sent. On a redis-server of this test's own.
describe('CommandSender idempotency reservations', () => {
  const kafka = new Kafka({
    clientId: 'command-sender-int-spec',
    brokers: infraEnv().KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  let dedicated: DedicatedRedis;
  let redis: Redis;
  let sender: CommandSender;

  beforeAll(async () => {
    dedicated = await DedicatedRedis.start();
    redis = new Redis(dedicated.url);
    sender = new CommandSender(kafka, redis, settlementMessages, {
      service: 'settlement',
      source: 'command-sender-int-spec',
      namespace: uniqueName('sender'),
    });
  });
  afterAll(async () => {
    await sender.close();
    redis.disconnect();
    await dedicated.stop();
  });

  const deposit = (amount: number) => ({
    type: 'settlement.Deposit',
    subject: 'acc-1',
    data: { accountId: 'acc-1', amount, reference: 'wire-1' },
    idempotencyKey: 'deposit-key-1',
  });

  it('still refuses a reused key after the read model was reset, and still takes the same request', async () => {
    await sender.reserve(deposit(100));
    await redis.set(`${settlementReadModel.prefix}probe`, 'a model key');
    const reset = await resetReadModel(redis, {
      name: settlementReadModel.name,
      keyPrefix: settlementReadModel.prefix,
    });
    expect(reset).toMatchObject({ kind: 'reset', cleared: 1 });
    expect(await redis.exists(`${settlementReadModel.prefix}probe`)).toBe(0);
    await expect(sender.reserve(deposit(200))).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await expect(sender.reserve(deposit(100))).resolves.toBeUndefined();
  });
});
