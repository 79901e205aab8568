import { GraphQLError } from 'graphql';
import { assertSideRole } from './side-role';
import { Side } from './orders.views';

const refusal = (run: () => void) => {
  try {
    run();
  } catch (error) {
    const e = error as GraphQLError;
    return { message: e.message, extensions: e.extensions };
  }
  return undefined;
};

describe('the role a key needs for a side', () => {
  it('lets a BUYER key bid and a PROVIDER key ask, and a key of both do either', () => {
    expect(refusal(() => assertSideRole({ accountId: 'a', roles: ['buyer'] }, Side.BID))).toBeUndefined();
    expect(refusal(() => assertSideRole({ accountId: 'a', roles: ['provider'] }, Side.ASK))).toBeUndefined();
    for (const side of [Side.BID, Side.ASK])
      expect(
        refusal(() => assertSideRole({ accountId: 'a', roles: ['buyer', 'provider'] }, side)),
      ).toBeUndefined();
  });

  it('refuses the other side FORBIDDEN on the side, naming the role it needs', () => {
    expect(refusal(() => assertSideRole({ accountId: 'a', roles: ['provider'] }, Side.BID))).toEqual({
      message:
        'a bid needs a key with the BUYER role, and this key has PROVIDER: use a BUYER key (the operator makes one: createApiKey with roles: [BUYER])',
      extensions: { code: 'FORBIDDEN', field: 'side' },
    });
    expect(refusal(() => assertSideRole({ accountId: 'a', roles: ['buyer'] }, Side.ASK))).toEqual({
      message:
        'an ask needs a key with the PROVIDER role, and this key has BUYER: use a PROVIDER key (the operator makes one: createApiKey with roles: [PROVIDER])',
      extensions: { code: 'FORBIDDEN', field: 'side' },
    });
  });
});
