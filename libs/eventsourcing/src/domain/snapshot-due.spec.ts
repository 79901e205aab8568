import { SinceSnapshot, snapshotDue } from './snapshot-due';

const since = (over: Partial<SinceSnapshot>): SinceSnapshot => ({
  events: 0,
  eventChars: 0,
  snapshotChars: 0,
  ms: 0,
  ...over,
});

describe('when a snapshot is due', () => {
  it('is every so many events while the state is small (or there is no snapshot yet)', () => {
    expect(snapshotDue(since({ events: 4_999, eventChars: 1_500_000 }), 10, 5_000, 60_000)).toBe(false);
    expect(snapshotDue(since({ events: 5_000, eventChars: 1_500_000 }), 10, 5_000, 60_000)).toBe(true);
    expect(
      snapshotDue(since({ events: 5_000, eventChars: 1_500_000, snapshotChars: 200_000 }), 10, 5_000, 60_000),
    ).toBe(true);
  });

  it('waits, for a state larger than the events since, until they amount to its size', () => {
    // A 7 MB book after 5,000 events of 300 characters each: not yet.
    const big = { snapshotChars: 7_000_000, eventChars: 1_500_000, events: 5_000 };
    expect(snapshotDue(since(big), 10, 5_000, 60_000)).toBe(false);
    expect(snapshotDue(since({ ...big, events: 23_400, eventChars: 7_020_000 }), 10, 5_000, 60_000)).toBe(
      true,
    );
  });

  it('is due after its time with events, whatever their size', () => {
    const big = { snapshotChars: 7_000_000, eventChars: 3_000, events: 10 };
    expect(snapshotDue(since({ ...big, ms: 59_999 }), 10, 5_000, 60_000)).toBe(false);
    expect(snapshotDue(since({ ...big, ms: 60_000 }), 10, 5_000, 60_000)).toBe(true);
  });

  it('is never due for a transaction that wrote no events (its offset in the events is where they start)', () => {
    expect(snapshotDue(since({ events: 9_000, eventChars: 9_000_000, ms: 120_000 }), 0, 5_000, 60_000)).toBe(
      false,
    );
  });
});
