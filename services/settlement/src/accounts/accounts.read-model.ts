import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { settlementMessages } from '@gpux/contracts';
import { EventSourcingHost, LogPosition, outcomesProjection, ProjectionRunner, waitForPosition } from '@gpux/eventsourcing';
import { KafkaClients, RedisClient, SERVICE_CONFIG } from '@gpux/platform';
import { accountKeys, accountsProjection } from '../domain/accounts/accounts.projection';
import type { AccountView } from './accounts.cqrs';

const READ_YOUR_WRITES_TIMEOUT_MS = 10_000;

/**
 * settlement's read side: runs the accounts and outcomes projections into Redis and answers
 * queries from them.
 */
@Injectable()
export class AccountsReadModel implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runners: ProjectionRunner[];
  readonly accounts;

  constructor(
    host: EventSourcingHost,
    kafka: KafkaClients,
    private readonly redis: RedisClient,
    @Inject(SERVICE_CONFIG) config: { TOPIC_NAMESPACE: string; KAFKA_SESSION_TIMEOUT_MS: number },
  ) {
    this.accounts = accountsProjection(host.topics.events);
    const ns = config.TOPIC_NAMESPACE ? `${config.TOPIC_NAMESPACE}.` : '';
    this.runners = [this.accounts, outcomesProjection('settlement', host.topics.events)].map(
      (projection) =>
        new ProjectionRunner({
          kafka,
          redis: redis.redis,
          projection,
          registry: settlementMessages,
          groupId: `${ns}proj-${projection.name}`,
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
          logger: new Logger(`projection ${projection.name}`),
        }),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.start()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }

  waitFor(position: LogPosition, timeoutMs = READ_YOUR_WRITES_TIMEOUT_MS): Promise<void> {
    return waitForPosition(this.redis.redis, this.accounts.name, position, timeoutMs);
  }

  async account(accountId: string): Promise<AccountView | null> {
    const hash = await this.redis.redis.hgetall(accountKeys.account(accountId));
    if (!hash['owner']) return null;
    return { accountId, owner: hash['owner'], balance: Number(hash['balance'] ?? 0) };
  }

  lag() {
    return Promise.all(this.runners.map(async (r) => ({ projection: r.name, partitions: await r.lag() })));
  }
}
