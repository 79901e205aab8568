import { BeforeApplicationShutdown, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Readiness } from './readiness';

describe('Readiness', () => {
  it('names what it waits for until it is there, then is ready', async () => {
    const readiness = new Readiness();
    let joinA = (): void => undefined;
    readiness.waitFor('consumer group a', new Promise<void>((resolve) => (joinA = resolve)));
    readiness.waitFor('consumer group b', Promise.resolve());
    await Promise.resolve();
    expect(readiness.notReady()).toEqual({
      message: 'starting: waiting for consumer group a to join (partitions not assigned yet)',
      waitingFor: ['consumer group a'],
    });
    joinA();
    await readiness.started();
    expect(readiness.notReady()).toBeNull();
  });

  it('fails its start, and says so, when one of them cannot start', async () => {
    const readiness = new Readiness();
    readiness.waitFor('consumer group a', Promise.reject(new Error('broker unreachable')));
    await expect(readiness.started()).rejects.toThrow('broker unreachable');
    expect(readiness.notReady()).toEqual({
      message: 'consumer group a failed to start: broker unreachable',
    });
  });

  it('is unready from the start of a shutdown, before any consumer leaves its group', async () => {
    const seen: unknown[] = [];
    @Injectable()
    class Consumer implements BeforeApplicationShutdown {
      constructor(private readonly readiness: Readiness) {}
      beforeApplicationShutdown(): void {
        seen.push(this.readiness.notReady());
      }
    }
    @Module({ providers: [Readiness, Consumer] })
    class ServiceModule {}
    const app = await NestFactory.createApplicationContext(ServiceModule, { logger: false });
    const readiness = app.get(Readiness);
    // A consumer still joining when the shutdown comes: its start ends with it, no failure.
    readiness.waitFor('consumer group a', new Promise<void>(() => undefined));
    const started = readiness.started();
    await app.close();
    expect(seen).toEqual([{ message: 'the service is stopping' }]);
    await expect(started).resolves.toBeUndefined();
  });
});
