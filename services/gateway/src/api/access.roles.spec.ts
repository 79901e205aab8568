import { GraphQLError } from 'graphql';
import { assertRole } from './access';
import type { Principal } from './auth';

const refusal = (principal: Principal, ...roles: Parameters<typeof assertRole>[1][]) => {
  try {
    assertRole(principal, ...roles);
  } catch (error) {
    const { message, extensions } = error as GraphQLError;
    return { message, code: extensions['code'] };
  }
  return null;
};

describe('a key without the role an operation needs is refused saying which key to send', () => {
  it('lets a key with one of the roles through', () => {
    expect(refusal({ accountId: 'ben', roles: ['provider'] }, 'provider')).toBeNull();
    expect(refusal({ accountId: 'ben', roles: ['buyer', 'provider'] }, 'buyer', 'admin')).toBeNull();
  });

  it('a node credential sent as an API key: says it is the worker’s, and to send the account’s key', () => {
    expect(refusal({ accountId: 'ben', roles: ['worker'], nodeId: 'n1' }, 'provider')).toEqual({
      code: 'FORBIDDEN',
      message:
        "this operation is for provider keys: this is a node credential (gpxn_…), which only the node's gpu-worker join uses; send your account's API key (gpx_…)",
    });
  });

  it('an account key short of the role: says what it holds and how a key with the role is made', () => {
    expect(refusal({ accountId: 'ann', roles: ['buyer'] }, 'provider')).toEqual({
      code: 'FORBIDDEN',
      message:
        'this operation is for provider keys: this key holds BUYER only; use a key with PROVIDER (the operator makes one: createApiKey with roles: [PROVIDER])',
    });
  });

  it('an operation for the operator alone says only that', () => {
    expect(refusal({ accountId: 'ann', roles: ['buyer', 'provider'] }, 'admin')).toEqual({
      code: 'FORBIDDEN',
      message: 'this operation is for admin keys',
    });
  });
});
