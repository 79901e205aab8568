import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { settlementMessages, settlementReadModel } from '@gpux/contracts';
import { combineProjections, EventSourcingHost, LogPosition, outcomesProjection, ProjectionRunner, waitForPosition } from '@gpux/eventsourcing';
import { HealthChecks, KafkaClients, RedisClient, SERVICE_CONFIG } from '@gpux/platform';
import { accountKeys, accountsProjection } from '../domain/accounts/accounts.projection';
import type { AccountView } from './accounts.cqrs';

const READ_YOUR_WRITES_TIMEOUT_MS = 10_000;
const READ_MODEL = settlementReadModel.name;

/**
 * settlement's read side: runs the accounts and outcomes projections into Redis and answers
 * queries from them.
 */
@Injectable()
export class AccountsReadModel implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner: ProjectionRunner;

  constructor(
    host: EventSourcingHost,
    kafka: KafkaClients,
    private readonly redis: RedisClient,
    @Inject(SERVICE_CONFIG) config: { TOPIC_NAMESPACE: string; KAFKA_SESSION_TIMEOUT_MS: number },
    health: HealthChecks,
  ) {
    // One runner folds both read models: the log is read and decoded once, and an outcome is
    // visible exactly when the balances it changed are.
    const projection = combineProjections(READ_MODEL, settlementReadModel.prefix, [
      accountsProjection(host.topics.events),
      outcomesProjection('settlement', host.topics.events),
    ]);
    const ns = config.TOPIC_NAMESPACE ? `${config.TOPIC_NAMESPACE}.` : '';
    this.runner = new ProjectionRunner({
      kafka,
      redis: redis.redis,
      projection,
      registry: settlementMessages,
      groupId: `${ns}proj-${projection.name}`,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      logger: new Logger(`projection ${projection.name}`),
    });
    this.registerHealth(health);
  }

  /** The read model's lag in /health: up while it can be measured; how far behind, per partition. */
  private registerHealth(health: HealthChecks): void {
    health.register(READ_MODEL, async (indicators) => {
      const check = indicators.check(READ_MODEL);
      try {
        const partitions = await this.runner.lag();
        return check.up({ lag: partitions.reduce((sum, p) => sum + Math.max(0, p.lag), 0), partitions: partitions.length });
      } catch (error) {
        return check.down({ message: error instanceof Error ? error.message : String(error) });
      }
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.runner.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.runner.stop();
  }

  waitFor(position: LogPosition, timeoutMs = READ_YOUR_WRITES_TIMEOUT_MS): Promise<void> {
    return waitForPosition(this.redis.redis, READ_MODEL, position, timeoutMs);
  }

  async account(accountId: string): Promise<AccountView | null> {
    const hash = await this.redis.redis.hgetall(accountKeys.account(accountId));
    if (!hash['owner']) return null;
    return { accountId, owner: hash['owner'], balance: Number(hash['balance'] ?? 0), held: Number(hash['held'] ?? 0) };
  }

  lag() {
    return this.runner.lag();
  }
}
