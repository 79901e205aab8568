import { Injectable } from '@nestjs/common';
import { settlementMessages, settlementReadModel, topic } from '@gpux/contracts';
import { LogPosition, outcomesProjection, ReadModel, ReadModelModule } from '@gpux/eventsourcing';
import { RedisClient } from '@gpux/platform';
import { accountKeys, accountsProjection } from '../domain/accounts/accounts.projection';
import { apiKeysProjection } from '../domain/accounts/api-keys.projection';
import { leasesProjection } from '../domain/leases/leases.projection';
import type { AccountView } from './accounts.cqrs';

/**
 * settlement's read side: accounts and their ledgers, leases, API keys and command outcomes, in
 * one read model, so an outcome is visible exactly when the balances it changed are.
 */
export const settlementReadModule = ReadModelModule.forService({
  name: settlementReadModel.name,
  prefix: settlementReadModel.prefix,
  registry: settlementMessages,
  projections: (ns, { idempotencyWindowMs }) => {
    const events = topic('settlement', 'events', ns).name;
    return [
      accountsProjection(events),
      leasesProjection(events),
      apiKeysProjection(events),
      outcomesProjection('settlement', events, idempotencyWindowMs),
    ];
  },
});

/** Answers queries from settlement's read model. */
@Injectable()
export class AccountsReadModel {
  constructor(
    private readonly readModel: ReadModel,
    private readonly redis: RedisClient,
  ) {}

  waitFor(position: LogPosition): Promise<void> {
    return this.readModel.waitFor(position);
  }

  async account(accountId: string): Promise<AccountView | null> {
    const hash = await this.redis.redis.hgetall(accountKeys.account(accountId));
    if (!hash['owner']) return null;
    return {
      accountId,
      owner: hash['owner'],
      balance: Number(hash['balance'] ?? 0),
      held: Number(hash['held'] ?? 0),
    };
  }
}
