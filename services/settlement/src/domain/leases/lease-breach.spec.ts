import { leaseBreach, type RecordedBreaches } from './lease-breach';

const T = Date.parse('2026-06-01T12:00:00.000Z');
const at = (s: number) => new Date(T + s * 1_000).toISOString();
const ms = (s: number) => T + s * 1_000;

// A lease that starts at T. Capacity's node hash keeps the last breach (suspendedAt; its reason only
// while the node is suspended); its history (breaches) keeps each, with its reason.
describe('the breach rule of a lease', () => {
  it('is the first breach at or after the lease start, whatever breaches or recertifications follow', () => {
    // Failed a spot check 45 s in, certified again, lost 120 s in (its last beat): still suspended.
    const twice: RecordedBreaches = {
      status: 'SUSPENDED',
      suspendedAt: at(120),
      suspendedReason: 'NODE_LOST',
      breaches: [
        { at: at(120), reason: 'NODE_LOST' },
        { at: at(45), reason: 'CHALLENGE_FAILED' },
      ],
    };
    expect(leaseBreach(T, twice)).toEqual({ at: ms(45), reason: 'CHALLENGE_FAILED' });
    // And certified again since: the same.
    expect(leaseBreach(T, { ...twice, status: 'CERTIFIED', suspendedReason: null })).toEqual({
      at: ms(45),
      reason: 'CHALLENGE_FAILED',
    });
    // A breach at the lease's very start is the lease's.
    expect(leaseBreach(ms(45), twice)).toEqual({ at: ms(45), reason: 'CHALLENGE_FAILED' });
    // A lease that started after the first breach, once the node was certified again: the second.
    expect(leaseBreach(ms(60), twice)).toEqual({ at: ms(120), reason: 'NODE_LOST' });
  });

  it('ignores a breach before the lease start, unless the node is still suspended by it', () => {
    const before = {
      suspendedAt: at(-5),
      suspendedReason: 'NODE_LOST',
      breaches: [{ at: at(-5), reason: 'NODE_LOST' }],
    };
    // A trade the market made before it heard of the breach: the node is suspended still.
    expect(leaseBreach(T, { ...before, status: 'SUSPENDED' })).toEqual({ at: ms(-5), reason: 'NODE_LOST' });
    // A node certified again since sold this lease: the old breach is none of it.
    expect(leaseBreach(T, { ...before, status: 'CERTIFIED', suspendedReason: null })).toBeNull();
    // Breached before, certified, breached again during the lease: the one during it.
    expect(
      leaseBreach(T, {
        status: 'SUSPENDED',
        suspendedAt: at(30),
        suspendedReason: 'CREDENTIAL_REVOKED',
        breaches: [
          { at: at(-600), reason: 'CHALLENGE_FAILED' },
          { at: at(30), reason: 'CREDENTIAL_REVOKED' },
        ],
      }),
    ).toEqual({ at: ms(30), reason: 'CREDENTIAL_REVOKED' });
  });

  it("reads the node's last breach alone from a model folded before capacity kept its breaches", () => {
    expect(
      leaseBreach(T, { status: 'SUSPENDED', suspendedAt: at(45), suspendedReason: 'NODE_LEFT' }),
    ).toEqual({
      at: ms(45),
      reason: 'NODE_LEFT',
    });
    expect(leaseBreach(T, { status: 'CERTIFIED', suspendedAt: at(45) })).toEqual({
      at: ms(45),
      reason: null,
    });
    expect(leaseBreach(T, { status: 'SUSPENDED', suspendedAt: at(-5) })).toEqual({
      at: ms(-5),
      reason: null,
    });
    expect(leaseBreach(T, { status: 'CERTIFIED', suspendedAt: at(-5) })).toBeNull();
    // The history's reason where the hash lost it at a recertification.
    expect(
      leaseBreach(T, {
        status: 'CERTIFIED',
        suspendedAt: at(45),
        breaches: [{ at: at(45), reason: 'NODE_LEFT' }],
      }),
    ).toEqual({ at: ms(45), reason: 'NODE_LEFT' });
  });

  it('finds none where nothing was recorded, or no time can be read', () => {
    expect(leaseBreach(T, {})).toBeNull();
    expect(leaseBreach(T, { status: 'CERTIFIED', breaches: [] })).toBeNull();
    expect(
      leaseBreach(T, { status: 'SUSPENDED', suspendedAt: 'not a time', breaches: [{ at: 'nor this' }] }),
    ).toBeNull();
  });
});
