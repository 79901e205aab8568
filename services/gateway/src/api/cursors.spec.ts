import { CursorList, decodeCursor, encodeCursor } from './cursors';

const b64 = (text: string) => Buffer.from(text).toString('base64url');

const MARKETS: CursorList = { field: 'markets' };
const MY_ORDERS: CursorList = { field: 'myOrders', of: 'acc-1' };
const MY_FILLS: CursorList = { field: 'myFills', of: 'acc-1' };
const LEDGER: CursorList = { field: 'Account.ledger', of: 'acc-1' };
const TRADES: CursorList = { field: 'Market.trades', of: 'h100' };

describe('cursors', () => {
  it('carry a position, and a member of any characters, and read back what they were', () => {
    for (const cursor of [{ position: 0 }, { position: 123_456_789 }])
      expect(decodeCursor(encodeCursor(LEDGER, cursor), LEDGER, 'positions')).toEqual(cursor);
    for (const cursor of [
      { position: 7, member: 'ord-1f3a' },
      { position: 7, member: 'a:b:c' },
      { position: 0, member: 'é 🚀 \n' },
      { position: 0, member: '"],[' },
    ])
      expect(decodeCursor(encodeCursor(MY_ORDERS, cursor), MY_ORDERS, 'members')).toEqual(cursor);
    // Opaque and URL-safe.
    expect(encodeCursor(MY_ORDERS, { position: 3, member: '???>>>' })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('read the position cursors given out before members were kept (i:<n>) as positions, in a list of positions', () => {
    expect(decodeCursor(b64('i:41'), LEDGER, 'positions')).toEqual({ position: 41 });
    expect(decodeCursor(b64('i:41'), TRADES, 'positions')).toEqual({ position: 41 });
  });

  it('read the member cursors given out before cursors named their list (m:<n>:<member>) in a sorted set, marked for its caller to check the member is in it', () => {
    expect(decodeCursor(b64('m:3:ord-9'), MY_ORDERS, 'members')).toEqual({
      position: 3,
      member: 'ord-9',
      legacy: true,
    });
  });

  it("refuse another list's cursor with BAD_USER_INPUT naming after, saying which list gave it out", () => {
    const another = (after: string, list: CursorList, shape: 'positions' | 'members', which: string) =>
      expect(() => decodeCursor(after, list, shape)).toThrow(
        expect.objectContaining({
          message: `after was given out by another list${which}, not by this one: pass the endCursor of a page of this list`,
          extensions: { code: 'BAD_USER_INPUT', field: 'after' },
        }),
      );
    const market = encodeCursor(MARKETS, { position: 0, member: 'h100' });
    another(market, MY_ORDERS, 'members', ' (markets)');
    another(encodeCursor(MY_ORDERS, { position: 0, member: 'ord-1' }), LEDGER, 'positions', ' (myOrders)');
    another(encodeCursor(LEDGER, { position: 1 }), MY_FILLS, 'members', ' (Account.ledger)');
    // The same field, of another account or market.
    another(
      encodeCursor({ field: 'myOrders', of: 'acc-2' }, { position: 0, member: 'ord-1' }),
      MY_ORDERS,
      'members',
      ' (myOrders of another account or filter)',
    );
    another(
      encodeCursor({ field: 'Market.trades', of: 'a100' }, { position: 4 }),
      TRADES,
      'positions',
      ' (Market.trades of another market)',
    );
    // Cursors from before they named their list, whose shape is another list's: i:1 (a position
    // list's) in a sorted set, m:0:h100 (a sorted set's) in a list of positions.
    another('aTox', MY_FILLS, 'members', '');
    another('bTowOmgxMDA', LEDGER, 'positions', '');
  });

  it('refuse anything else with BAD_USER_INPUT naming after', () => {
    const garbage = [
      'nonsense',
      '',
      b64('i:'),
      b64('i:-1'),
      b64('i:1234567890'),
      b64('i:4x'),
      b64('m:4'),
      b64('m:4:'),
      b64('m::member'),
      b64(`m:4:${'x'.repeat(1025)}`),
      `${b64('i:41')}=`,
      `${b64('i:41')}!`,
      Buffer.from('i:41').toString('base64'),
      Buffer.from([0x6d, 0x3a, 0x31, 0x3a, 0xff]).toString('base64url'),
      // What encodeCursor never writes: another spelling, a list that does not exist, a bad position
      // or member, or a shape this list never gives out.
      b64('["markets", "", 0, "h100"]'),
      b64('["nope","",0,"h100"]'),
      b64('["markets","",-1,"h100"]'),
      b64('["markets","",1.5,"h100"]'),
      b64('["markets","",0,""]'),
      b64('["markets","",0,7]'),
      b64('["markets","",0,"h100",1]'),
      b64('{"field":"markets"}'),
      b64('["markets",null,0,"h100"]'),
      encodeCursor(MARKETS, { position: 0 }),
    ];
    for (const after of garbage)
      expect(() => decodeCursor(after, MARKETS, 'members')).toThrow(
        expect.objectContaining({
          message: 'after is not a cursor this API gave out',
          extensions: { code: 'BAD_USER_INPUT', field: 'after' },
        }),
      );
    expect(() =>
      decodeCursor(encodeCursor(LEDGER, { position: 0, member: 'x' }), LEDGER, 'positions'),
    ).toThrow(expect.objectContaining({ message: 'after is not a cursor this API gave out' }));
  });
});
