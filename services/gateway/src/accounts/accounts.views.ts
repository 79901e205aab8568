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
  valuesMap: {
    BUYER: { description: 'Buys: places and cancels bids.' },
    PROVIDER: {
      description:
        'Sells: registers nodes, rotates and revokes their credentials, and places and cancels asks on them.',
    },
  },
});

@ObjectType({
  description: "One line of an account's ledger: how one event moved its money. Amounts in US dollars.",
})
export class LedgerEntry {
  @Field({ description: 'The id of the settlement event that moved the money: one line per event.' })
  eventId!: string;
  @Field(() => LedgerEntryKind, { description: 'What moved the money.' })
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
  @Field(() => GraphQLDateTimeString, { description: 'When settlement recorded the event.' })
  time!: string;
}
export const LedgerConnection = Connection(LedgerEntry, 'LedgerEntry');

@ObjectType({
  description: 'A settlement account. Amounts are US dollars (Usd).',
})
export class Account {
  @Field(() => ID, { description: "The account's id, as it was opened (openAccount)." })
  id!: string;
  @Field({ description: 'Whose account it is, as the admin wrote it when opening it (openAccount).' })
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
  @Field(() => ID, { description: "The key's id: Account.apiKeys lists it, and revokeApiKey takes it." })
  keyId!: string;
  @Field(() => ID, { description: 'The account the key acts for.' })
  accountId!: string;
  @Field({ description: 'Send it as "Authorization: Bearer <key>".' })
  key!: string;
  @Field(() => [AccountRole], { description: 'What the key may do, each role once.' })
  roles!: AccountRole[];
}

@ObjectType({ description: 'An API key of an account, without the key.' })
export class ApiKeyInfo {
  @Field(() => ID, {
    description: "The key's id: what revokeApiKey takes (Viewer.keyId of a request sent with it).",
  })
  keyId!: string;
  @Field(() => [AccountRole], { description: 'What the key may do.' })
  roles!: AccountRole[];
  @Field({ description: 'Whether it was revoked (revokeApiKey): a revoked key is refused UNAUTHENTICATED.' })
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
