import { LEDGER_ENTRY_KINDS, type Envelope } from '@gpux/contracts';
import { balances, Book, EntryKind, movementOf } from './postings';

const event = (type: string, data: Record<string, unknown>): Envelope => ({
  id: 'e1',
  type,
  source: 'settlement',
  subject: 'acc-1',
  time: '2026-06-01T12:00:00.000Z',
  schemaVersion: 1,
  correlationId: 'c',
  causationId: 'c',
  data,
});
const books = (type: string, data: Record<string, unknown>) =>
  movementOf(event(type, data))!.postings.map((p) => [p.account, p.book, p.amount]);

// One event of each kind of movement, with the books it must touch: [account, book, amount].
const movements: Array<
  [
    EntryKind,
    string,
    Record<string, unknown>,
    string | null,
    Array<[string | null, Book | 'external' | 'clearing', number]>,
  ]
> = [
  [
    'deposit',
    'settlement.FundsDeposited',
    { accountId: 'acc-1', amount: 500, reference: 'wire-7' },
    'wire-7',
    [
      [null, 'external', -500],
      ['acc-1', 'available', 500],
    ],
  ],
  [
    'withdrawal',
    'settlement.FundsWithdrawn',
    { accountId: 'acc-1', amount: 200, reference: null },
    null,
    [
      ['acc-1', 'available', -200],
      [null, 'external', 200],
    ],
  ],
  [
    'hold',
    'settlement.FundsHeld',
    { accountId: 'acc-1', holdId: 'b1', amount: 300 },
    'b1',
    [
      ['acc-1', 'available', -300],
      ['acc-1', 'held', 300],
    ],
  ],
  [
    'release',
    'settlement.HoldReleased',
    { accountId: 'acc-1', holdId: 'b1', amount: 50 },
    'b1',
    [
      ['acc-1', 'held', -50],
      ['acc-1', 'available', 50],
    ],
  ],
  [
    'lease',
    'settlement.LeaseOpened',
    { accountId: 'acc-1', leaseId: 'l1', holdId: 'b1', value: 200, fee: 5 },
    'l1',
    [
      ['acc-1', 'held', -205],
      ['acc-1', 'escrow', 205],
    ],
  ],
  [
    'charge',
    'settlement.LeaseCharged',
    { accountId: 'acc-1', leaseId: 'l1', amount: 80, fee: 2 },
    'l1',
    [
      ['acc-1', 'escrow', -82],
      [null, 'clearing', 82],
    ],
  ],
  [
    'earnings',
    'settlement.EarningsCredited',
    { accountId: 'prov-1', leaseId: 'l1', kind: 'earnings', amount: 80 },
    'l1',
    [
      [null, 'clearing', -80],
      ['prov-1', 'available', 80],
    ],
  ],
  [
    'fee',
    'settlement.EarningsCredited',
    { accountId: 'platform', leaseId: 'l1', kind: 'fee', amount: 2 },
    'l1',
    [
      [null, 'clearing', -2],
      ['platform', 'available', 2],
    ],
  ],
  [
    'sla-credit',
    'settlement.SlaCredited',
    { accountId: 'acc-1', leaseId: 'l1', amount: 123 },
    'l1',
    [
      ['acc-1', 'escrow', -123],
      ['acc-1', 'available', 123],
    ],
  ],
];

describe('postings', () => {
  it.each(movements)('%s (%s): posts to its books, and balances', (kind, type, data, reference, postings) => {
    const movement = movementOf(event(type, data));
    expect(movement).toMatchObject({ kind, reference });
    expect(books(type, data)).toEqual(postings);
    expect(balances(movement!)).toBe(true);
  });

  it('covers every kind of movement', () => {
    // Every kind the contract lists (and the gateway's enum serves) is one some event posts.
    const kinds: readonly EntryKind[] = LEDGER_ENTRY_KINDS;
    expect(movements.map(([kind]) => kind).sort()).toEqual([...kinds].sort());
  });

  it('balances for any amounts', () => {
    for (const amount of [0, 1, 999_999_999, Number.MAX_SAFE_INTEGER]) {
      for (const [, type, data] of movements) {
        const scaled = { ...data, amount, value: amount, fee: 0 };
        expect(balances(movementOf(event(type, scaled))!)).toBe(true);
      }
    }
  });

  it('moves no money for events that move none', () => {
    expect(movementOf(event('settlement.AccountOpened', { accountId: 'acc-1', owner: 'Ada' }))).toBeNull();
    expect(movementOf(event('settlement.ApiKeyIssued', { accountId: 'acc-1', keyId: 'k1' }))).toBeNull();
  });

  it('does not balance a movement whose postings do not sum to zero', () => {
    expect(
      balances({
        kind: 'deposit',
        reference: null,
        postings: [
          { account: null, book: 'external', amount: -5 },
          { account: 'acc-1', book: 'available', amount: 4 },
        ],
      }),
    ).toBe(false);
  });
});
