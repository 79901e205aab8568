import { ordersMessages, settlementMessages, settlementReadModel } from '@gpux/contracts';
import { createTopicsReady, DedicatedRedis, infraEnv, uniqueName } from '@gpux/testing';
import Redis from 'ioredis';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { resetReadModel } from '../redis/reset';
import { outcomeEventsKey, outcomeKey, outcomesChannel } from '../domain/outcomes.projection';
import { RecentBindings } from '../domain/recent-bindings';
import { checkpointField, projectionKeys } from '../redis/keys';
import {
  CommandSender,
  IdempotencyKeyReusedError,
  OutcomesRefoldingError,
  reserveAll,
} from './command-sender';

// The sender's idempotency reservations live outside every read model: a reset of the service's
// read model (a rebuild from offset zero) leaves them, so a key reused for another request is
// still refused before it is sent. On a redis-server of this test's own.
describe('CommandSender reservations and outcome reads', () => {
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

  /**
   * A settlement sender in a namespace of its own, with its commands topic made (one partition),
   * for `body`; the topic is deleted after it.
   */
  async function withOwnTopic(
    body: (sender: CommandSender, namespace: string, admin: Admin, commands: string) => Promise<void>,
  ): Promise<void> {
    const namespace = uniqueName('sender');
    const own = new CommandSender(kafka, redis, settlementMessages, {
      service: 'settlement',
      source: 'command-sender-int-spec',
      namespace,
    });
    const admin = kafka.admin();
    await admin.connect();
    const commands = `${namespace}.settlement.commands`;
    await createTopicsReady(admin, { topics: [{ topic: commands, numPartitions: 1 }], waitForLeaders: true });
    try {
      await body(own, namespace, admin, commands);
    } finally {
      await admin.deleteTopics({ topics: [commands] }).catch(() => undefined);
      await admin.disconnect();
      await own.close();
    }
  }

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
    await expect(sender.reserve(deposit(100))).resolves.toBe(false);
  });

  it('binds the keys of several requests all or none: one key bound to another request binds none', async () => {
    const orders = new CommandSender(kafka, redis, ordersMessages, {
      service: 'orders',
      source: 'command-sender-int-spec',
      namespace: uniqueName('sender'),
    });
    const bid = (price: number) => ({
      type: 'orders.PlaceOrder',
      subject: 'h100',
      data: {
        marketId: 'h100',
        orderId: 'ord-9',
        side: 'bid',
        accountId: 'acc-9',
        price,
        gpus: 1,
        hours: 1,
        timeInForce: 'GTC',
      },
      idempotencyKey: 'bid-key-9',
    });
    const hold = (amount: number) => ({
      type: 'settlement.HoldFunds',
      subject: 'acc-9',
      data: { accountId: 'acc-9', holdId: 'ord-9', amount },
      idempotencyKey: 'bid-key-9',
    });
    const both = (price: number, amount: number) =>
      reserveAll(redis, [orders.reservation(bid(price))!, sender.reservation(hold(amount))!]);
    // The orders key taken by another bid: the settlement key stays free.
    await orders.reserve(bid(1));
    const refused = both(2, 20);
    await expect(refused).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await expect(refused).rejects.toMatchObject({ idempotencyKey: 'bid-key-9' });
    await expect(sender.reserve(hold(30))).resolves.toBe(false);
    // The same two requests again are a retry; another hold with the key binds neither.
    await expect(both(1, 30)).resolves.toEqual(new Set());
    await expect(both(1, 30)).resolves.toEqual(new Set());
    await expect(both(1, 40)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await orders.close();
  });

  it('answers a retry whose outcome is recorded with that outcome, and sends nothing: the partition may have forgotten the key', () =>
    withOwnTopic(async (retrying, namespace, admin, commands) => {
      const first = { ...deposit(100), idempotencyKey: 'deposit-key-recorded' };
      expect(await retrying.reserve(first)).toBe(false);
      await redis.hset(outcomeKey('settlement', first.idempotencyKey), {
        commandId: 'cmd-first',
        position: `${namespace}.settlement.events:0:7`,
        status: 'accepted',
        time: '2026-12-04T03:00:00.000Z',
      });
      await redis.rpush(outcomeEventsKey('settlement', first.idempotencyKey), 'settlement.FundsDeposited');
      // Reserving again finds it recorded, with the request's other keys; another request is refused.
      await expect(retrying.reserve(first)).resolves.toBe(true);
      await expect(
        reserveAll(redis, [retrying.reservation(first)!, retrying.reservation(deposit(5))!]),
      ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      await expect(retrying.reserve(deposit(100))).resolves.toBe(false);
      // The retry is answered with the first outcome, as a replay of it recorded when it was, and
      // its commands topic is still empty.
      expect(await retrying.send(first, 2_000)).toEqual({
        status: 'accepted',
        commandId: 'cmd-first',
        eventTypes: ['settlement.FundsDeposited'],
        position: { topic: `${namespace}.settlement.events`, partition: 0, offset: '7' },
        time: '2026-12-04T03:00:00.000Z',
        replayed: true,
      });
      expect(await retrying.send(first, 2_000, { reserved: true, recorded: true })).toMatchObject({
        commandId: 'cmd-first',
        replayed: true,
      });
      expect((await admin.fetchTopicOffsets(commands)).map((p) => p.high)).toEqual(['0']);
      // Its binding lost (a flush) and the key used for another request: not answered with the
      // first one's outcome (the partition tells a reused key), nor is the first request since.
      await redis.del(retrying.reservation(first)!.key);
      const other = { ...first, data: { ...first.data, amount: 5 } };
      await expect(retrying.reserve(other)).resolves.toBe(false);
      await expect(retrying.reserve(first)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);

      // An outcome refolded with its request's fingerprint (outcomes recorded since keep it): with
      // its binding lost, another request with the key is refused before it is sent, binding
      // nothing, and the same request is a retry answered with that outcome.
      const reused = { ...first, idempotencyKey: 'deposit-key-refolded' };
      const was = retrying.reservation(reused)!;
      await redis.hset(outcomeKey('settlement', reused.idempotencyKey), {
        commandId: 'cmd-refolded',
        position: `${namespace}.settlement.events:0:9`,
        status: 'accepted',
        fingerprint: was.fingerprint,
      });
      await redis.rpush(outcomeEventsKey('settlement', reused.idempotencyKey), 'settlement.FundsDeposited');
      const another = { ...reused, data: { ...reused.data, amount: 5 } };
      await expect(retrying.send(another, 2_000)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      expect(await redis.exists(was.key)).toBe(0);
      expect(await retrying.send(reused, 2_000)).toMatchObject({ commandId: 'cmd-refolded' });
      expect(await redis.get(was.key)).toBe(was.fingerprint);
      expect((await admin.fetchTopicOffsets(commands)).map((p) => p.high)).toEqual(['0']);
    }));

  it("binds a client's key whose binding is gone only while its outcomes' model is whole: flushed or refolding, a missing outcome cannot tell a retry from another request", async () => {
    const model = uniqueName('model');
    const markers = projectionKeys(model);
    const watching = new CommandSender(kafka, redis, settlementMessages, {
      service: 'settlement',
      source: 'command-sender-int-spec',
      namespace: uniqueName('sender'),
      outcomesReadModel: model,
    });
    try {
      const request = { ...deposit(100), idempotencyKey: 'deposit-key-whole' };
      const another = { ...request, data: { ...request.data, amount: 5 } };
      // No epoch (flushed, its service has not reset it yet), then reset and refolding: nothing bound.
      await expect(watching.reserve(request)).rejects.toBeInstanceOf(OutcomesRefoldingError);
      await redis.set(markers.epoch, 'e1');
      await redis.set(markers.rebuilding, '1');
      await expect(watching.reserve(request)).rejects.toMatchObject({
        name: 'OutcomesRefoldingError',
        idempotencyKey: 'deposit-key-whole',
      });
      expect(await redis.exists(watching.reservation(request)!.key)).toBe(0);
      // A key made for its request (no client's) is bound at once: no other request has it.
      await expect(
        watching.reserve({ ...request, idempotencyKey: 'made-here', keyMadeHere: true }),
      ).resolves.toBe(false);
      // Whole: bound. Once bound, the binding tells, refolding or not.
      await redis.del(markers.rebuilding);
      await expect(watching.reserve(request)).resolves.toBe(false);
      await redis.set(markers.rebuilding, '1');
      await expect(watching.reserve(request)).resolves.toBe(false);
      await expect(watching.reserve(another)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    } finally {
      await redis.del(markers.epoch, markers.rebuilding);
      await watching.close();
    }
  });

  it('never answers a request with the outcome its key recorded for another request: that is the key reused', () =>
    withOwnTopic(async (sending, namespace) => {
      // The key's outcome, refolded, is another request's (its partition refuses this one as a
      // reuse, recorded under this command's id): this request was not done.
      const request = { ...deposit(100), idempotencyKey: 'deposit-key-other' };
      const other = sending.reservation({ ...request, data: { ...request.data, amount: 7 } })!;
      await redis.hset(outcomeKey('settlement', request.idempotencyKey), {
        commandId: 'cmd-other',
        position: `${namespace}.settlement.events:0:3`,
        status: 'accepted',
        fingerprint: other.fingerprint,
      });
      await redis.rpush(outcomeEventsKey('settlement', request.idempotencyKey), 'settlement.FundsDeposited');
      await expect(sending.send(request, 2_000, { reserved: true })).rejects.toBeInstanceOf(
        IdempotencyKeyReusedError,
      );
      // The key is bound to the request its outcome answers again: that one's true retry is.
      expect(await redis.get(other.key)).toBe(other.fingerprint);
      // Its own outcome (the same fingerprint) is answered.
      await redis.hset(outcomeKey('settlement', request.idempotencyKey), {
        fingerprint: sending.reservation(request)!.fingerprint,
      });
      await expect(sending.send(request, 2_000, { reserved: true })).resolves.toMatchObject({
        commandId: 'cmd-other',
      });
      // The reservation the caller bound is the one compared (not computed again), and only for
      // its own key: another key's is no answer to this request.
      await expect(
        sending.send(request, 2_000, { reserved: true, reservation: other }),
      ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      await expect(
        sending.send(request, 2_000, {
          reserved: true,
          reservation: { ...other, idempotencyKey: 'another-key' },
        }),
      ).resolves.toMatchObject({ commandId: 'cmd-other' });
      await expect(
        sending.send(request, 2_000, { reserved: true, reservation: sending.reservation(request)! }),
      ).resolves.toMatchObject({ commandId: 'cmd-other' });
    }));

  it('refuses another request with a key this process bound lately, though Redis lost the binding and has no outcome to tell it by', async () => {
    // A command bound before a FLUSHALL and still queued has no outcome yet when its model is whole
    // again; another request with its key, to another partition, was bound and decided too.
    const model = uniqueName('model');
    const markers = projectionKeys(model);
    const recentBindings = new RecentBindings();
    const remembering = new CommandSender(kafka, redis, settlementMessages, {
      service: 'settlement',
      source: 'command-sender-int-spec',
      namespace: uniqueName('sender'),
      outcomesReadModel: model,
      recentBindings,
    });
    try {
      await redis.set(markers.epoch, 'e1');
      const first = { ...deposit(100), idempotencyKey: 'deposit-key-recent' };
      const another = { ...first, subject: 'acc-2', data: { ...first.data, accountId: 'acc-2' } };
      await expect(remembering.reserve(first)).resolves.toBe(false);
      await redis.del(remembering.reservation(first)!.key); // the flush
      await expect(remembering.reserve(another)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      await expect(
        reserveAll(redis, [remembering.reservation(another)!], recentBindings),
      ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      expect(await redis.exists(remembering.reservation(first)!.key)).toBe(0);
      // A key made for its request is not kept: the process' memory holds clients' keys only.
      const size = recentBindings.size;
      await remembering.reserve({ ...first, idempotencyKey: 'made-here-2', keyMadeHere: true });
      expect(recentBindings.size).toBe(size);
      // The first request's retry is bound again.
      await expect(remembering.reserve(first)).resolves.toBe(false);
      expect(await redis.get(remembering.reservation(first)!.key)).toBe(
        remembering.reservation(first)!.fingerprint,
      );
    } finally {
      await redis.del(markers.epoch, markers.rebuilding);
      await remembering.close();
    }
  });

  it('reads an outcome and, in the same read, whether a read model has applied it', async () => {
    const key = 'outcome-key-1';
    const model = 'settlement.read-model';
    const checkpoints = projectionKeys(model).checkpoint;
    expect(await sender.outcome(key, model)).toBeUndefined();
    await redis.hset(outcomeKey('settlement', key), {
      commandId: 'cmd-1',
      position: 'ns.settlement.events:3:41',
      status: 'accepted',
    });
    await redis.rpush(outcomeEventsKey('settlement', key), 'settlement.FundsHeld', 'settlement.Deposited');
    const outcome = {
      status: 'accepted',
      commandId: 'cmd-1',
      eventTypes: ['settlement.FundsHeld', 'settlement.Deposited'],
      position: { topic: 'ns.settlement.events', partition: 3, offset: '41' },
    };
    // No checkpoint in that partition yet, then one behind: not visible.
    expect(await sender.outcome(key, model)).toEqual(outcome);
    await redis.hset(checkpoints, checkpointField('ns.settlement.events', 3), '40');
    await redis.hset(checkpoints, checkpointField('ns.settlement.events', 2), '90');
    expect(await sender.outcome(key, model)).toEqual(outcome);
    // At the outcome's offset, and past it: visible in that read model, and only when asked.
    await redis.hset(checkpoints, checkpointField('ns.settlement.events', 3), '41');
    expect(await sender.outcome(key, model)).toEqual({ ...outcome, visibleIn: model });
    await redis.hset(checkpoints, checkpointField('ns.settlement.events', 3), '1000');
    expect(await sender.outcome(key, model)).toEqual({ ...outcome, visibleIn: model });
    expect(await sender.outcome(key)).toEqual(outcome);
    expect(await sender.outcome(key, 'orders.read-model')).toEqual(outcome);
    // A rejection reads back with its code and field.
    await redis.hset(outcomeKey('settlement', 'outcome-key-2'), {
      commandId: 'cmd-2',
      position: 'ns.settlement.events:5:42',
      status: 'rejected',
      code: 'INSUFFICIENT_FUNDS',
      message: 'short',
      field: 'amount',
    });
    expect(await sender.outcome('outcome-key-2', model)).toEqual({
      status: 'rejected',
      commandId: 'cmd-2',
      code: 'INSUFFICIENT_FUNDS',
      message: 'short',
      field: 'amount',
      eventTypes: [],
      position: { topic: 'ns.settlement.events', partition: 5, offset: '42' },
    });
  });

  it('reads a hash of the read model with the outcome, in the same read, once the model shows the outcome', async () => {
    const key = 'outcome-key-hash';
    const model = 'settlement.read-model';
    const checkpoints = projectionKeys(model).checkpoint;
    const account = 'settlement:test-accounts:acc-hash';
    await redis.hset(outcomeKey('settlement', key), {
      commandId: 'cmd-h',
      position: 'ns.settlement.events:4:7',
      status: 'accepted',
    });
    await redis.rpush(outcomeEventsKey('settlement', key), 'settlement.FundsDeposited');
    const outcome = {
      status: 'accepted',
      commandId: 'cmd-h',
      eventTypes: ['settlement.FundsDeposited'],
      position: { topic: 'ns.settlement.events', partition: 4, offset: '7' },
    };
    try {
      await redis.hset(account, { balance: '100', version: '3' });
      // Not applied there yet: no hash (what it holds may be older than the outcome).
      await redis.hset(checkpoints, checkpointField('ns.settlement.events', 4), '6');
      expect(await sender.outcome(key, model, account)).toEqual(outcome);
      // Applied: the hash as it was at that moment, beside the outcome.
      await redis.hset(checkpoints, checkpointField('ns.settlement.events', 4), '7');
      expect(await sender.outcome(key, model, account)).toEqual({
        ...outcome,
        visibleIn: model,
        hash: { balance: '100', version: '3' },
      });
      // No such hash: an empty one, as HGETALL answers; without a read model, none is read.
      expect(await sender.outcome(key, model, `${account}-none`)).toEqual({
        ...outcome,
        visibleIn: model,
        hash: {},
      });
      expect(await sender.outcome(key, undefined, account)).toEqual(outcome);
    } finally {
      await redis.del(account, outcomeKey('settlement', key), outcomeEventsKey('settlement', key));
      await redis.hdel(checkpoints, checkpointField('ns.settlement.events', 4));
    }
  });

  /** Records an outcome as the outcomes projection does (its hash and events, then its notice). */
  async function record(namespace: string, key: string, commandId: string, fingerprint?: string) {
    await redis.hset(outcomeKey('settlement', key), {
      commandId,
      position: `${namespace}.settlement.events:0:1`,
      status: 'accepted',
      ...(fingerprint ? { fingerprint } : {}),
    });
    await redis.rpush(outcomeEventsKey('settlement', key), 'settlement.FundsDeposited');
    await redis.publish(outcomesChannel('settlement'), key);
  }

  /** Resolves once `commands` holds `count` records: the sends before it were written. */
  async function written(admin: Admin, commands: string, count: number): Promise<void> {
    while (Number((await admin.fetchTopicOffsets(commands))[0]!.high) < count)
      await new Promise((r) => setTimeout(r, 10));
  }

  it("listens for a command's outcome from before its key is bound, and reads it only once announced", () =>
    withOwnTopic(async (sending, namespace, admin, commands) => {
      const request = { ...deposit(100), idempotencyKey: 'deposit-key-watched', id: 'cmd-watched' };
      const reads = jest.spyOn(sending, 'outcome');
      const waits = jest.spyOn(sending, 'awaitOutcome');
      const answer = sending.send(request, 60_000);
      // Written, and waiting (a read on entering the wait would have started by the next turn of
      // the event loop): nothing was recorded before the binding, whatever is recorded from then
      // on is announced, so nothing was read on the chance.
      while (waits.mock.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
      await written(admin, commands, 1);
      expect(reads).not.toHaveBeenCalled();
      await record(
        namespace,
        request.idempotencyKey,
        'cmd-watched',
        sending.reservation(request)!.fingerprint,
      );
      await expect(answer).resolves.toMatchObject({ commandId: 'cmd-watched' });
      expect(reads).toHaveBeenCalledTimes(1);
    }));

  it('answers the same request sent twice at once with its one outcome, announced once', () =>
    withOwnTopic(async (sending, namespace, admin, commands) => {
      const request = { ...deposit(100), idempotencyKey: 'deposit-key-twice' };
      const first = sending.send({ ...request, id: 'cmd-twice-1' }, 60_000);
      const second = sending.send({ ...request, id: 'cmd-twice-2' }, 60_000);
      await written(admin, commands, 2);
      // The partition decides the first and answers the second with nothing new: one notice.
      await record(
        namespace,
        request.idempotencyKey,
        'cmd-twice-1',
        sending.reservation(request)!.fingerprint,
      );
      await expect(first).resolves.toEqual(expect.not.objectContaining({ replayed: true }));
      await expect(first).resolves.toMatchObject({ commandId: 'cmd-twice-1' });
      await expect(second).resolves.toMatchObject({ commandId: 'cmd-twice-1', replayed: true });
    }));

  it("looks at a reservation's guard in the binding's own call: found, nothing is bound unless admitted; missing while its model is not whole, nothing is bound", async () => {
    const model = uniqueName('guarded');
    const markers = projectionKeys(model);
    const hash = `${model}:order:1`;
    const recentBindings = new RecentBindings();
    const request = { ...deposit(100), idempotencyKey: 'deposit-key-guarded' };
    const seen: (string | null)[][] = [];
    let refuse = true;
    const guard = {
      hash,
      fields: ['marketId', 'createdAt'] as const,
      model: [markers.epoch, markers.rebuilding] as const,
      admit: (values: (string | null)[]) => {
        seen.push(values);
        if (refuse) throw new Error('refused by its guard');
      },
    };
    const reservation = { ...sender.reservation(request)!, guard };
    const bound = () => redis.exists(reservation.key);
    // No epoch yet (flushed, not reset): a missing order may be one not folded back yet.
    await expect(reserveAll(redis, [reservation], recentBindings)).rejects.toBeInstanceOf(
      OutcomesRefoldingError,
    );
    await redis.set(markers.epoch, 'e1');
    await redis.set(markers.rebuilding, '1');
    await expect(reserveAll(redis, [reservation], recentBindings)).rejects.toBeInstanceOf(
      OutcomesRefoldingError,
    );
    expect(seen).toEqual([]);
    expect(await bound()).toBe(0);
    // Found, refolding or not: handed to admit with every field it reads, a missing one as null.
    await redis.hset(hash, 'marketId', 'h100');
    await expect(reserveAll(redis, [reservation], recentBindings)).rejects.toThrow('refused by its guard');
    expect(seen).toEqual([['h100', null]]);
    expect(await bound()).toBe(0);
    // Admitted: bound as without the guard (and, refolding, judged by the key's outcome as any).
    await redis.del(markers.rebuilding);
    await redis.hset(hash, 'createdAt', '2026-12-06T10:00:00.000Z');
    refuse = false;
    await expect(reserveAll(redis, [reservation], recentBindings)).resolves.toEqual(new Set());
    expect(seen.at(-1)).toEqual(['h100', '2026-12-06T10:00:00.000Z']);
    expect(await redis.get(reservation.key)).toBe(reservation.fingerprint);
    // Not found in a whole model: bound in the same call, admit not asked.
    const other = { ...request, idempotencyKey: 'deposit-key-guarded-2' };
    const calls = seen.length;
    const unguarded = { ...sender.reservation(other)!, guard: { ...guard, hash: `${model}:order:2` } };
    await expect(reserveAll(redis, [unguarded], recentBindings)).resolves.toEqual(new Set());
    expect(seen).toHaveLength(calls);
    expect(await redis.exists(unguarded.key)).toBe(1);
    // A key this process bound lately to another request is refused without the script, and its
    // guard still has its say first.
    const another = { ...other, data: { ...other.data, amount: 7 } };
    const reusing = { ...sender.reservation(another)!, guard: { ...guard, hash: `${model}:order:2` } };
    await redis.hset(`${model}:order:2`, 'marketId', 'h100');
    refuse = true;
    await expect(reserveAll(redis, [reusing], recentBindings)).rejects.toThrow('refused by its guard');
    refuse = false;
    await expect(reserveAll(redis, [reusing], recentBindings)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    expect(seen.at(-1)).toEqual(['h100', null]);
  });

  it("with the caller's watch, begun before it bound the key, reads at once an outcome announced before the wait (another request with the key answered first)", () =>
    withOwnTopic(async (sending, namespace) => {
      const request = { ...deposit(100), idempotencyKey: 'deposit-key-announced', id: 'cmd-late' };
      const reservation = sending.reservation(request)!;
      const watch = await sending.watchOutcome(request.idempotencyKey);
      const recorded = await reserveAll(redis, [reservation]);
      expect(recorded.size).toBe(0);
      // The same request sent at the same time by another client connection, decided first: once
      // a second watch has heard its notice, so has the first.
      const seen = await sending.watchOutcome(request.idempotencyKey);
      await record(namespace, request.idempotencyKey, 'cmd-first', reservation.fingerprint);
      await seen.until(() => sending.outcome(request.idempotencyKey), 60_000);
      const reads = jest.spyOn(sending, 'outcome');
      await expect(
        sending.send(request, 60_000, { reserved: true, recorded: false, reservation, watch }),
      ).resolves.toMatchObject({ commandId: 'cmd-first', replayed: true });
      expect(reads).toHaveBeenCalledTimes(1);
    }));
});
