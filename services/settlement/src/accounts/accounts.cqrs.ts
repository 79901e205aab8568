import { Injectable } from '@nestjs/common';
import { CommandHandler, ICommandHandler, IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { SettlementCommands } from '@gpux/contracts';
import { CommandOutcome, EventSourcingHost } from '@gpux/eventsourcing';
import { RedisClient } from '@gpux/platform';
import { accountKeys, LedgerEntry } from '../domain/accounts/accounts.projection';
import { AccountsReadModel } from './accounts.read-model';

/** In-process commands: each goes to Kafka (settlement.commands) and answers with its outcome. */
export class OpenAccountCommand {
  constructor(
    readonly accountId: string,
    readonly owner: string,
    readonly idempotencyKey?: string,
  ) {}
}
export class DepositCommand {
  constructor(
    readonly accountId: string,
    readonly amount: number,
    readonly reference?: string,
    readonly idempotencyKey?: string,
  ) {}
}
export class WithdrawCommand {
  constructor(
    readonly accountId: string,
    readonly amount: number,
    readonly reference?: string,
    readonly idempotencyKey?: string,
  ) {}
}
export class GetAccountQuery {
  constructor(readonly accountId: string) {}
}
export class GetLedgerQuery {
  constructor(
    readonly accountId: string,
    readonly offset = 0,
    readonly limit = 100,
  ) {}
}

export interface AccountView {
  accountId: string;
  owner: string;
  /** Available, in minor units (micro-USD). */
  balance: number;
  /** Set aside in escrow holds for open orders. */
  held: number;
}

/** The outcome of a command, with the account as queries see it once the outcome is visible. */
export interface AccountCommandResult {
  outcome: CommandOutcome;
  account: AccountView | null;
}

@Injectable()
class AccountCommands {
  constructor(
    private readonly host: EventSourcingHost,
    private readonly readModel: AccountsReadModel,
  ) {}

  async run(
    type: string,
    accountId: string,
    data: Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<AccountCommandResult> {
    const clean = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
    const outcome = await this.host.sender.send({
      type,
      subject: accountId,
      data: clean,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    // Read-your-writes: answer with the account as a query made now would see it.
    await this.readModel.waitFor(outcome.position);
    return { outcome, account: await this.readModel.account(accountId) };
  }
}

@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand, AccountCommandResult> {
  constructor(private readonly commands: AccountCommands) {}
  execute(c: OpenAccountCommand) {
    return this.commands.run(
      SettlementCommands.openAccount.type,
      c.accountId,
      { accountId: c.accountId, owner: c.owner },
      c.idempotencyKey,
    );
  }
}

@CommandHandler(DepositCommand)
export class DepositHandler implements ICommandHandler<DepositCommand, AccountCommandResult> {
  constructor(private readonly commands: AccountCommands) {}
  execute(c: DepositCommand) {
    return this.commands.run(
      SettlementCommands.deposit.type,
      c.accountId,
      { accountId: c.accountId, amount: c.amount, reference: c.reference },
      c.idempotencyKey,
    );
  }
}

@CommandHandler(WithdrawCommand)
export class WithdrawHandler implements ICommandHandler<WithdrawCommand, AccountCommandResult> {
  constructor(private readonly commands: AccountCommands) {}
  execute(c: WithdrawCommand) {
    return this.commands.run(
      SettlementCommands.withdraw.type,
      c.accountId,
      { accountId: c.accountId, amount: c.amount, reference: c.reference },
      c.idempotencyKey,
    );
  }
}

@QueryHandler(GetAccountQuery)
export class GetAccountHandler implements IQueryHandler<GetAccountQuery, AccountView | null> {
  constructor(private readonly readModel: AccountsReadModel) {}
  execute(q: GetAccountQuery) {
    return this.readModel.account(q.accountId);
  }
}

@QueryHandler(GetLedgerQuery)
export class GetLedgerHandler implements IQueryHandler<GetLedgerQuery, LedgerEntry[]> {
  constructor(private readonly redis: RedisClient) {}
  async execute(q: GetLedgerQuery) {
    const limit = Math.min(Math.max(q.limit, 1), 500);
    const raw = await this.redis.redis.lrange(
      accountKeys.ledger(q.accountId),
      q.offset,
      q.offset + limit - 1,
    );
    return raw.map((e) => JSON.parse(e) as LedgerEntry);
  }
}

export const accountHandlers = [
  AccountCommands,
  OpenAccountHandler,
  DepositHandler,
  WithdrawHandler,
  GetAccountHandler,
  GetLedgerHandler,
];
