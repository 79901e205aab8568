import { arrivedAt } from './arrival';

describe('arrivedAt: when a commitment or opening counts as in', () => {
  const issuedAt = Date.parse('2026-12-03T10:00:00.000Z');
  const now = new Date('2026-12-03T10:00:20.000Z');

  it('is when the gateway received it, though capacity decides it seconds later', () => {
    expect(arrivedAt('2026-12-03T10:00:08.250Z', issuedAt, now)).toBe(Date.parse('2026-12-03T10:00:08.250Z'));
    expect(arrivedAt('2026-12-03T10:00:00.000Z', issuedAt, now)).toBe(issuedAt);
    expect(arrivedAt('2026-12-03T10:00:20.000Z', issuedAt, now)).toBe(now.getTime());
  });

  it('is the decision’s time where none was recorded, or the time recorded is before the issue or after the decision', () => {
    for (const receivedAt of [
      undefined,
      '2026-12-03T09:59:59.999Z',
      '2026-12-03T10:00:20.001Z',
      'not a time',
    ])
      expect(arrivedAt(receivedAt, issuedAt, now)).toBe(now.getTime());
  });
});
