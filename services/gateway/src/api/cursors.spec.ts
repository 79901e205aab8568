import { decodeCursor, encodeCursor } from './cursors';

const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe('cursors', () => {
  it('carry a position, and a member of any characters, and read back what they were', () => {
    for (const cursor of [
      { position: 0 },
      { position: 123_456_789 },
      { position: 7, member: 'ord-1f3a' },
      { position: 7, member: 'a:b:c' },
      { position: 0, member: 'é 🚀 \n' },
    ])
      expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    // Opaque and URL-safe.
    expect(encodeCursor({ position: 3, member: '???>>>' })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('read the position cursors given out before members were kept (i:<n>) as positions', () => {
    expect(decodeCursor(b64('i:41'))).toEqual({ position: 41 });
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
    ];
    for (const after of garbage)
      expect(() => decodeCursor(after)).toThrow(
        expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'after' } }),
      );
  });
});
