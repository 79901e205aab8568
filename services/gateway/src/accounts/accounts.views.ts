import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { AccountView } from '@gpux/read-models';
import { Connection } from '../api/connections';
import { LedgerEntryKind } from '../api/enums';
import { GraphQLDateTimeString, GraphQLUsd } from '../api/scalars';
import { formatMoney } from '../domain/money';

// What the accounts' side of the API answers (accounts.resolver.ts, viewer.resolver.ts).

export enum AccountRole {
  BUYER = 'buyer',
  PROVIDER = 'provider',
}
registerEnumType(AccountRole, {
  name: 'AccountRole',
  description: 'What an API key may do: buy (bids) or sell (nodes and asks).',
});

@ObjectType({
  description: "One line of an account's ledger: how one event moved its money. Amounts in US dollars.",
})
export class LedgerEntry {
  @Field()
  eventId!: string;
  @Field(() => LedgerEntryKind)
  kind!: LedgerEntryKind;
  @Field(() => GraphQLUsd, {
    description: 'Change of the available balance: credits positive, debits negative.',
  })
  amount!: string;
  @Field(() => GraphQLUsd, { description: 'Change of the money held in escrow for open bids.' })
  held!: string;
  @Field(() => GraphQLUsd, { description: 'Change of the money in escrow for running leases.' })
  escrow!: string;
  @Field({ nullable: true, description: 'What it is about: a wire reference, an order or a lease.' })
  reference?: string;
  @Field(() => GraphQLDateTimeString)
  time!: string;
}
export const LedgerConnection = Connection(LedgerEntry, 'LedgerEntry');

@ObjectType({
  description: 'A settlement account. Amounts are US dollars (Usd).',
})
export class Account {
  @Field(() => ID)
  id!: string;
  @Field()
  owner!: string;
  @Field(() => GraphQLUsd, { description: 'What the account can spend now.' })
  balance!: string;
  @Field(() => GraphQLUsd, { description: 'What is set aside in escrow for open bids.' })
  held!: string;
  @Field(() => GraphQLUsd, { description: 'What is in escrow for running leases, charged as they run.' })
  escrow!: string;
  @Field(() => GraphQLUsd, {
    description: 'Everything credited to it from leases it sold (or fees, for the platform).',
  })
  earned!: string;
}

@ObjectType({ description: 'A new API key. The key is shown this once: only its digest is stored.' })
export class CreatedApiKey {
  @Field(() => ID)
  keyId!: string;
  @Field(() => ID)
  accountId!: string;
  @Field({ description: 'Send it as "Authorization: Bearer <key>".' })
  key!: string;
  @Field(() => [AccountRole])
  roles!: AccountRole[];
}

@ObjectType({ description: 'An API key of an account, without the key.' })
export class ApiKeyInfo {
  @Field(() => ID)
  keyId!: string;
  @Field(() => [AccountRole])
  roles!: AccountRole[];
  @Field()
  revoked!: boolean;
  @Field(() => GraphQLDateTimeString, {
    description: 'When it was created: the time settlement recorded it (its ApiKeyIssued event).',
  })
  createdAt!: string;
}

export const toAccount = (a: AccountView): Account => ({
  id: a.accountId,
  owner: a.owner,
  balance: formatMoney(a.balance),
  held: formatMoney(a.held),
  escrow: formatMoney(a.escrow),
  earned: formatMoney(a.earned),
});
