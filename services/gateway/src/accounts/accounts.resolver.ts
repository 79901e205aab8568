import { Args, Context, Field, ID, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Inject, OnApplicationShutdown } from '@nestjs/common';
import {
  MessageValidationError,
  SettlementCommands,
  settlementMessages,
  settlementReadModel,
} from '@gpux/contracts';
import {
  CommandSender,
  CommandTimeoutError,
  OutgoingCommand,
  ProjectionTimeoutError,
  waitForPosition,
} from '@gpux/eventsourcing';
import { KafkaClients, RedisClient, SERVICE_CONFIG } from '@gpux/platform';
import { requireRole, RequestContext } from '../api/auth';
import { apiError, ErrorCode } from '../api/errors';
import { formatMoney, parseMoney } from '../domain/money';

const TIMEOUT_MS = 10_000;

/** Every mutation takes one: a retry with the same key returns the first outcome. */
const IDEMPOTENCY_KEY = {
  type: () => String,
  nullable: true,
  description: 'Repeat it to retry safely: the first outcome is returned.',
};

@ObjectType({
  description: 'A settlement account. Amounts are decimal strings of US dollars with six decimals.',
})
export class Account {
  @Field(() => ID)
  id!: string;

  @Field()
  owner!: string;

  @Field({ description: 'What the account can spend now.' })
  balance!: string;

  @Field({ description: 'What is set aside in escrow for open bids.' })
  held!: string;
}

@Resolver(() => Account)
export class AccountsResolver implements OnApplicationShutdown {
  private readonly sender: CommandSender;

  constructor(
    kafka: KafkaClients,
    private readonly redis: RedisClient,
    @Inject(SERVICE_CONFIG) config: { TOPIC_NAMESPACE: string },
  ) {
    this.sender = new CommandSender(kafka.kafka, redis.redis, settlementMessages, {
      service: 'settlement',
      source: 'gateway',
      namespace: config.TOPIC_NAMESPACE,
    });
  }

  onApplicationShutdown() {
    return this.sender.close();
  }

  @Query(() => Account, { nullable: true, description: 'An account by id (admin).' })
  async account(
    @Args('id', { type: () => ID }) id: string,
    @Context() context: RequestContext,
  ): Promise<Account | null> {
    requireRole(context, 'admin');
    return this.read(id);
  }

  @Mutation(() => Account, {
    description: 'Opens an account (admin). Answers with the account as queries then see it.',
  })
  openAccount(
    @Args('accountId', { type: () => ID }) accountId: string,
    @Args('owner', { type: () => String }) owner: string,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Context() context: RequestContext,
  ): Promise<Account> {
    requireRole(context, 'admin');
    return this.run(SettlementCommands.openAccount.type, accountId, { accountId, owner }, idempotencyKey);
  }

  @Mutation(() => Account, { description: 'Credits a deposit to an account (admin).' })
  deposit(
    @Args('accountId', { type: () => ID }) accountId: string,
    @Args('amount', { type: () => String, description: 'US dollars, e.g. "250.00"; at most six decimals.' })
    amount: string,
    @Args('reference', { type: () => String, nullable: true }) reference: string | undefined,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Context() context: RequestContext,
  ): Promise<Account> {
    requireRole(context, 'admin');
    const parsed = parseMoney(amount);
    if (!parsed.ok) throw apiError('BAD_USER_INPUT', `amount ${parsed.reason}`, 'amount');
    if (parsed.micros <= 0) throw apiError('BAD_USER_INPUT', 'amount must be greater than zero', 'amount');
    const data = { accountId, amount: parsed.micros, ...(reference ? { reference } : {}) };
    return this.run(SettlementCommands.deposit.type, accountId, data, idempotencyKey);
  }

  /** Sends the command, turns its outcome into the answer or an error, read-your-writes. */
  private async run(
    type: string,
    accountId: string,
    data: Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<Account> {
    const command: OutgoingCommand = {
      type,
      subject: accountId,
      data,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    };
    let outcome;
    try {
      outcome = await this.sender.send(command, TIMEOUT_MS);
    } catch (error) {
      if (error instanceof MessageValidationError) {
        const field = /data is invalid: (\w+)/.exec(error.message)?.[1];
        throw apiError('BAD_USER_INPUT', error.message.replace(/^.*data is invalid: /, ''), field);
      }
      if (error instanceof CommandTimeoutError)
        throw apiError('TIMEOUT', error.message, undefined, { idempotencyKey: error.idempotencyKey });
      throw error;
    }
    if (outcome.status === 'rejected')
      throw apiError(
        (outcome.code ?? 'BAD_USER_INPUT') as ErrorCode,
        outcome.message ?? 'rejected',
        outcome.field,
      );
    try {
      await waitForPosition(this.redis.redis, settlementReadModel.name, outcome.position, TIMEOUT_MS);
    } catch (error) {
      if (error instanceof ProjectionTimeoutError)
        throw apiError(
          'TIMEOUT',
          `the command succeeded but the account is not readable yet: ${error.message}`,
        );
      throw error;
    }
    const account = await this.read(accountId);
    if (!account) throw apiError('NOT_FOUND', `account ${accountId} does not exist`, 'accountId');
    return account;
  }

  private async read(id: string): Promise<Account | null> {
    const hash = await this.redis.redis.hgetall(settlementReadModel.account(id));
    if (!hash['owner']) return null;
    return {
      id,
      owner: hash['owner'],
      balance: formatMoney(Number(hash['balance'] ?? 0)),
      held: formatMoney(Number(hash['held'] ?? 0)),
    };
  }
}
