import { Field, ID, ObjectType, Query, registerEnumType, Resolver } from '@nestjs/graphql';
import { ANY_KEY, Caller, Roles } from '../api/access';
import type { Principal } from '../api/auth';
import { AccountRole } from './accounts.views';

/** Which kind of key a request sent. */
export enum KeyKind {
  ADMIN = 'ADMIN',
  ACCOUNT = 'ACCOUNT',
  NODE = 'NODE',
}
registerEnumType(KeyKind, {
  name: 'KeyKind',
  description:
    "ADMIN: the operator's key (ADMIN_API_KEY), of no account. ACCOUNT: an account's API key (createApiKey), buyer, provider or both. NODE: a node's credential (registerNode, rotateNodeCredential), its worker's.",
  valuesMap: {
    ADMIN: {
      description:
        "The operator's key (the gateway's ADMIN_API_KEY): it runs the admin's operations (markets, accounts, deposits, keys) and acts for no account.",
    },
    ACCOUNT: {
      description: "An account's API key (createApiKey): it acts for its account, with its roles.",
    },
    NODE: {
      description:
        "A node's credential (registerNode, rotateNodeCredential): its worker's, for the worker's steps (joinSession, heartbeat, challenges).",
    },
  },
});

@ObjectType({
  description:
    'Who the key in use is. Every kind of key may ask (`me` is null for the admin key and for a node credential, which have no account of their own).',
})
export class Viewer {
  @Field(() => KeyKind, { description: 'Which kind of key it is.' })
  kind!: KeyKind;
  @Field(() => ID, {
    nullable: true,
    description: "An account key's account; a node credential's provider; null for the admin key.",
  })
  accountId?: string;
  @Field(() => ID, { nullable: true, description: "An account key's id (see Account.apiKeys)." })
  keyId?: string;
  @Field(() => ID, { nullable: true, description: 'A node credential: its node.' })
  nodeId?: string;
  @Field(() => [AccountRole], { description: "An account key's roles; empty for the other kinds." })
  roles!: AccountRole[];
}

@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer, {
    nullable: true,
    description:
      'Who the key in use is: any valid key may ask. Without one: UNAUTHENTICATED, and only this field is null.',
  })
  @Roles(...ANY_KEY)
  viewer(@Caller() p: Principal): Viewer {
    const roles = p.roles.filter((r): r is 'buyer' | 'provider' => r === 'buyer' || r === 'provider');
    const kind = p.roles.includes('admin') ? KeyKind.ADMIN : p.nodeId ? KeyKind.NODE : KeyKind.ACCOUNT;
    return {
      kind,
      roles: roles.map((r) => (r === 'buyer' ? AccountRole.BUYER : AccountRole.PROVIDER)),
      ...(kind !== KeyKind.ADMIN ? { accountId: p.accountId } : {}),
      ...(p.keyId ? { keyId: p.keyId } : {}),
      ...(p.nodeId ? { nodeId: p.nodeId } : {}),
    };
  }
}
