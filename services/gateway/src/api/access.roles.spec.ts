import { GraphQLError } from 'graphql';
import { resolvers } from '../service';
import { decide, rootFields } from './access';
import { assertRole, RefusalNotes } from './access.roles';
import type { Principal, Role } from './auth';

const refusal = (principal: Principal, roles: Role[], notes?: RefusalNotes) => {
  try {
    assertRole(principal, roles, notes);
  } catch (error) {
    const { message, extensions } = error as GraphQLError;
    return { message, code: extensions['code'] };
  }
  return null;
};

const ADMIN: Principal = { accountId: 'admin', roles: ['admin'] };
const BUYER: Principal = { accountId: 'ann', roles: ['buyer'] };
const PROVIDER: Principal = { accountId: 'ben', roles: ['provider'] };
const NODE: Principal = { accountId: 'ben', roles: ['worker'], nodeId: 'n1' };

describe('a key without the role an operation needs is refused saying which key to send', () => {
  it('lets a key with one of the roles through', () => {
    expect(refusal(PROVIDER, ['provider'])).toBeNull();
    expect(refusal({ accountId: 'ben', roles: ['buyer', 'provider'] }, ['buyer', 'admin'])).toBeNull();
  });

  it('a node credential sent as an API key: says it is the worker’s, and to send the account’s key', () => {
    expect(refusal(NODE, ['provider'])).toEqual({
      code: 'FORBIDDEN',
      message:
        "this operation is for provider keys: this is a node credential (gpxn_…), which only the node's gpu-worker join uses; send your account's API key (gpx_…)",
    });
  });

  it('an account key short of the role: says what it holds and how a key with the role is made', () => {
    expect(refusal(BUYER, ['provider'])).toEqual({
      code: 'FORBIDDEN',
      message:
        'this operation is for provider keys: this key holds BUYER only; use a key with PROVIDER (the operator makes one: createApiKey with roles: [PROVIDER])',
    });
  });

  it('an operation for the operator alone (withdraw): says the key is an account’s, and whose key it takes', () => {
    expect(refusal({ accountId: 'ann', roles: ['buyer', 'provider'] }, ['admin'])).toEqual({
      code: 'FORBIDDEN',
      message:
        "this operation is for admin keys: this key is an account's (it holds BUYER and PROVIDER); only the operator's key (the gateway's ADMIN_API_KEY, which only the operator holds) may: ask the operator to do it",
    });
  });

  it('a node credential on an operation for the operator alone: the operator’s key, not the account’s', () => {
    expect(refusal(NODE, ['admin'])?.message).toBe(
      "this operation is for admin keys: this is a node credential (gpxn_…), which only the node's gpu-worker join uses; send the operator's key (the gateway's ADMIN_API_KEY, which only the operator holds)",
    );
  });

  it('the admin key on an account’s operation: it acts for no account, send the account’s key', () => {
    expect(refusal(ADMIN, ['buyer', 'provider'])?.message).toBe(
      "this operation is for buyer or provider keys: the operator's key (ADMIN_API_KEY) acts for no account; send the account's own API key (gpx_…) with BUYER or PROVIDER (the operator makes one: createApiKey with roles: [BUYER])",
    );
  });

  it('an API key on a worker’s operation: it takes the node’s credential, and where that comes from', () => {
    const told =
      "this operation is for worker keys: it takes a node's credential (gpxn_…: registerNode's or rotateNodeCredential's answer), which the node's gpu-worker join sends, not an API key";
    expect(refusal(PROVIDER, ['worker'])?.message).toBe(told);
    expect(refusal(ADMIN, ['worker'])?.message).toBe(told);
  });

  it('a note for a kind of key replaces the hint for that kind only', () => {
    const notes: RefusalNotes = { admin: 'it hands out a secret: revoke instead' };
    expect(refusal(ADMIN, ['provider'], notes)?.message).toBe(
      'this operation is for provider keys: it hands out a secret: revoke instead',
    );
    expect(refusal(BUYER, ['provider'], notes)?.message).toMatch(/this key holds BUYER only/);
  });
});

describe('every operation of the API, refused to a kind of key', () => {
  const keys: Record<string, Principal> = { ADMIN, BUYER, PROVIDER, NODE };
  const refusals = rootFields(resolvers).flatMap(({ field, access }) =>
    Object.entries(keys).flatMap(([kind, principal]) => {
      try {
        decide(access, { principal }, field);
        return [];
      } catch (error) {
        return [{ field, kind, message: (error as GraphQLError).message }];
      }
    }),
  );

  it('says which key to send and how such a key is had, never the role alone', () => {
    expect(refusals.length).toBeGreaterThan(50);
    const bare = refusals.filter(
      ({ message }) => !/^this operation is for [a-z ]+ keys: .{20,}$/.test(message),
    );
    expect(bare).toEqual([]);
    const unhelpful = refusals.filter(
      ({ message }) => !/gpx_|gpxn_|ADMIN_API_KEY|createApiKey|revokeNodeCredential/.test(message),
    );
    expect(unhelpful).toEqual([]);
  });

  it('withdraw, to an account key: the operator’s key does it', () => {
    expect(refusals.filter((r) => r.field === 'withdraw').map((r) => [r.kind, r.message])).toEqual([
      [
        'BUYER',
        expect.stringMatching(
          /: this key is an account's \(it holds BUYER\); only the operator's key \(the gateway's ADMIN_API_KEY/,
        ),
      ],
      [
        'PROVIDER',
        expect.stringMatching(/: this key is an account's \(it holds PROVIDER\); only the operator's key/),
      ],
      ['NODE', expect.stringMatching(/: this is a node credential .*; send the operator's key/)],
    ]);
  });
});
