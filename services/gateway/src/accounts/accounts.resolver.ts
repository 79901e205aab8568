import { randomBytes, randomUUID } from 'node:crypto';
import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import {
  labelRule,
  printableRule,
  SettlementCommands,
  settlementReadModel as rm,
  TEXT_LIMITS,
} from '@gpux/contracts';
import { RedisClient } from '@gpux/platform';
import type { CommandOutcome } from '@gpux/eventsourcing';
import { SettlementQueries } from '@gpux/read-models';
import { ANY_KEY, assertSelfOrAdmin, Caller, Roles } from '../api/access';
import { Principal, sha256 } from '../api/auth';
import { Commands } from '../api/commands';
import { PageArgs, readPage } from '../api/connections';
import { apiError } from '../api/errors';
import {
  command,
  IDEMPOTENCY_KEY,
  IDEMPOTENCY_KEY_SECRET_ONCE,
  idFromKey,
  revealingOnce,
} from '../api/idempotency';
import { unavailableError } from '../api/rebuilding';
import { readRecorded, recordedDeadline, RecordedSource } from '../api/recorded';
import { keepReplayed } from '../api/replayed';
import { GraphQLUsd } from '../api/scalars';
import { formatMoney, parseMoney } from '../domain/money';
import {
  Account,
  AccountRole,
  ApiKeyInfo,
  CreatedApiKey,
  LedgerConnection,
  toAccount,
} from './accounts.views';
import { isNoValidKey, revokedAlready } from './revoked-key';
import { shortOfFunds } from './short-of-funds';

/** A deposit's or withdrawal's reference: the client's own words for it. */
const REFERENCE = {
  type: () => String,
  nullable: true,
  description: `What it is about: a wire reference, an invoice. ${printableRule(TEXT_LIMITS.reference)}`,
};

@Resolver(() => Account)
export class AccountsResolver {
  private readonly settlement: SettlementQueries;
  private readonly source: RecordedSource;

  constructor(
    private readonly commands: Commands,
    redis: RedisClient,
  ) {
    this.settlement = new SettlementQueries(redis.redis);
    this.source = { redis: redis.redis, notices: commands.notices };
  }

  @Query(() => Account, { nullable: true, description: 'An account by id: your own, or any (admin).' })
  @Roles('admin', 'buyer', 'provider')
  account(
    @Args('id', {
      type: () => ID,
      description: "The account's id: your own, or any (admin). Another account's is refused FORBIDDEN.",
    })
    id: string,
    @Caller() p: Principal,
  ): Promise<Account | null> {
    assertSelfOrAdmin(p, id, 'id');
    return this.read(id);
  }

  @Query(() => Account, {
    nullable: true,
    description:
      'The account of the API key in use; null for the admin key and for a node credential, which have no account of their own (`viewer` says which key it is). Without a valid key: UNAUTHENTICATED, and only this field is null.',
  })
  @Roles(...ANY_KEY)
  async me(@Caller() p: Principal): Promise<Account | null> {
    if (!p.roles.includes('buyer') && !p.roles.includes('provider')) return null;
    const account = await this.read(p.accountId);
    if (!account) throw apiError('NOT_FOUND', `account ${p.accountId} does not exist`);
    return account;
  }

  @ResolveField(() => LedgerConnection, { description: "The account's ledger, newest first." })
  async ledger(@Parent() account: Account, @Args() args: PageArgs) {
    const ledger = this.settlement.ledger(account.id);
    return readPage(
      args,
      () => ledger.count(),
      async (from, to) =>
        (await ledger.slice(from, to)).map((e) => ({
          eventId: e.eventId,
          kind: e.kind,
          amount: formatMoney(e.amount),
          held: formatMoney(e.held),
          escrow: formatMoney(e.escrow),
          time: e.time,
          ...(e.reference ? { reference: e.reference } : {}),
        })),
      { field: 'Account.ledger', of: account.id },
    );
  }

  @ResolveField(() => [ApiKeyInfo], {
    description:
      "The account's API keys (never the keys themselves), revoked ones too, oldest first: in the order they were created (createdAt; keys created in the same millisecond by keyId).",
  })
  async apiKeys(@Parent() account: Account): Promise<ApiKeyInfo[]> {
    const keys = await this.settlement.apiKeys(account.id);
    const dated = keys.flatMap(({ createdAt, ...k }) =>
      createdAt === null
        ? []
        : [
            {
              ...k,
              createdAt,
              roles: k.roles.map((r) => (r === 'buyer' ? AccountRole.BUYER : AccountRole.PROVIDER)),
            },
          ],
    );
    // A key without its creation time is one settlement's model folded before it kept them, which
    // its service is refolding (the projection's version): answered once the rebuild is in.
    if (dated.length < keys.length) throw unavailableError();
    return dated;
  }

  @Mutation(() => Account, {
    nullable: true,
    description: 'Opens an account (admin). Answers with the account as queries then see it.',
  })
  @Roles('admin')
  async openAccount(
    @Args('accountId', {
      type: () => ID,
      description:
        "The new account's id: 1 to 128 letters, digits and . _ : -, starting with a letter or digit. An id opened already is refused ALREADY_EXISTS.",
    })
    accountId: string,
    @Args('owner', { type: () => String, description: `Whose it is. ${labelRule(TEXT_LIMITS.owner)}` })
    owner: string,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<Account> {
    const started = Date.now();
    const opening = command(
      p,
      SettlementCommands.openAccount.type,
      accountId,
      { accountId, owner },
      idempotencyKey,
    );
    const outcome = await this.commands.execute('settlement', opening, rm.name);
    return this.recorded(accountId, outcome, `account ${accountId} was opened`, started, opening.clientKey);
  }

  @Mutation(() => Account, {
    nullable: true,
    description: 'Credits a deposit to an account (admin).',
  })
  @Roles('admin')
  deposit(
    @Args('accountId', { type: () => ID, description: 'The account to credit.' }) accountId: string,
    @Args('amount', { type: () => GraphQLUsd, description: 'US dollars, e.g. "250.00"; greater than zero.' })
    amount: string,
    @Args('reference', REFERENCE) reference: string | undefined,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<Account> {
    return this.move(p, SettlementCommands.deposit.type, accountId, amount, reference, idempotencyKey);
  }

  @Mutation(() => Account, {
    nullable: true,
    description: 'Pays money out of an account (admin); only what is available.',
  })
  @Roles('admin')
  withdraw(
    @Args('accountId', { type: () => ID, description: 'The account to pay out of.' }) accountId: string,
    @Args('amount', { type: () => GraphQLUsd, description: 'US dollars, e.g. "250.00"; greater than zero.' })
    amount: string,
    @Args('reference', REFERENCE) reference: string | undefined,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<Account> {
    return this.move(p, SettlementCommands.withdraw.type, accountId, amount, reference, idempotencyKey);
  }

  @Mutation(() => CreatedApiKey, {
    nullable: true,
    description:
      'Creates an API key for an account (admin). The key is in this answer only. If the answer is lost, the same request again with its idempotencyKey (the one a TIMEOUT names where none was sent) fails IDEMPOTENCY_KEY_REUSED naming the keyId the first one creates (extensions.keyId): once Account.apiKeys lists it, revoke it, and create another with a new idempotencyKey.',
  })
  @Roles('admin')
  async createApiKey(
    @Args('accountId', { type: () => ID, description: 'The account the key acts for; it must be open.' })
    accountId: string,
    @Args('roles', {
      type: () => [AccountRole],
      description: 'What the key may do: BUYER, PROVIDER or both. An empty list is refused BAD_USER_INPUT.',
    })
    roles: AccountRole[],
    @Args('idempotencyKey', IDEMPOTENCY_KEY_SECRET_ONCE) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<CreatedApiKey> {
    if (roles.length === 0)
      throw apiError('BAD_USER_INPUT', 'roles must name buyer, provider or both', 'roles');
    const key = `gpx_${randomBytes(24).toString('base64url')}`;
    // The same idempotency key names the same key id, so a retry can say which key its first try
    // made: the client's, or one drawn here, which a TIMEOUT names to retry with.
    const clientKey = idempotencyKey ?? randomUUID();
    const keyId = idFromKey('key', accountId, clientKey);
    const unique = [...new Set(roles)];
    const data = { accountId, keyId, keyHash: sha256(key).toString('hex'), roles: unique };
    await revealingOnce(
      () =>
        this.commands.execute(
          'settlement',
          command(
            p,
            SettlementCommands.issueApiKey.type,
            accountId,
            data,
            clientKey,
            idempotencyKey === undefined,
          ),
          rm.name,
        ),
      async () => ({
        // Named whether or not the model shows it yet: the first request may still be on its way.
        message: (await this.settlement.hasApiKey(accountId, keyId))
          ? `the first request with it created key ${keyId}, whose key was shown once: revoke it and create another with a new idempotencyKey`
          : `the first request with it creates key ${keyId} if it is accepted, whose key is shown once: once Account.apiKeys lists it, revoke it; create another with a new idempotencyKey`,
        extensions: { keyId },
      }),
    );
    return { keyId, accountId, key, roles: unique };
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description:
      "Revokes an API key: your own account's, or any (admin). It stops working at once. A key revoked already is refused NOT_FOUND on keyId, saying so, with extensions.revoked true (a key the account never had: without it).",
  })
  @Roles('admin', 'buyer', 'provider')
  async revokeApiKey(
    @Args('accountId', {
      type: () => ID,
      description: "The key's account: your own, or any (admin).",
    })
    accountId: string,
    @Args('keyId', { type: () => ID, description: 'The key to revoke (ApiKeyInfo.keyId).' }) keyId: string,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<boolean> {
    assertSelfOrAdmin(p, accountId);
    try {
      await this.commands.execute(
        'settlement',
        command(p, SettlementCommands.revokeApiKey.type, accountId, { accountId, keyId }, idempotencyKey),
        rm.name,
      );
    } catch (error) {
      if (!isNoValidKey(error)) throw error;
      const key = (await this.settlement.apiKeys(accountId)).find((k) => k.keyId === keyId);
      throw keepReplayed(error, revokedAlready(error, accountId, keyId, key), 'idempotencyKey');
    }
    return true;
  }

  private async move(
    p: Principal,
    type: string,
    accountId: string,
    amount: string,
    reference: string | undefined,
    idempotencyKey: string | undefined,
  ): Promise<Account> {
    const parsed = parseMoney(amount);
    if (!parsed.ok) throw apiError('BAD_USER_INPUT', `amount ${parsed.reason}`, 'amount');
    if (parsed.micros <= 0) throw apiError('BAD_USER_INPUT', 'amount must be greater than zero', 'amount');
    const started = Date.now();
    const data = { accountId, amount: parsed.micros, ...(reference ? { reference } : {}) };
    const moving = command(p, type, accountId, data, idempotencyKey);
    const outcome = await this.commands.execute('settlement', moving, rm.name).catch((error: unknown) => {
      throw shortOfFunds(error, parsed.micros);
    });
    const what = `${type === SettlementCommands.deposit.type ? 'a deposit to' : 'a withdrawal from'} account ${accountId} was recorded`;
    return this.recorded(accountId, outcome, what, started, moving.clientKey);
  }

  /**
   * The account as a recorded command left it: waits for settlement's model to show it again when
   * Redis was flushed since, else UNAVAILABLE saying what was recorded (api/recorded.ts).
   */
  private recorded(
    accountId: string,
    outcome: { position: CommandOutcome['position'] },
    what: string,
    started: number,
    idempotencyKey: string,
  ): Promise<Account> {
    return readRecorded(
      this.source,
      rm.name,
      outcome,
      () => this.read(accountId),
      {
        what,
        readWith: `account(id: ${JSON.stringify(accountId)})`,
        extensions: { accountId, idempotencyKey },
      },
      recordedDeadline(started),
    );
  }

  private async read(id: string): Promise<Account | null> {
    const account = await this.settlement.account(id);
    return account && toAccount(account);
  }
}
