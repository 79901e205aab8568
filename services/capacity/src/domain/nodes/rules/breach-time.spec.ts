import { breachAt } from './breach-time';

describe('the breach-time rule', () => {
  const now = new Date('2026-06-01T00:00:10.000Z');

  it('dates a breach at the last heartbeat, where one came before the decision', () => {
    expect(breachAt(now, '2026-06-01T00:00:04.400Z')).toBe('2026-06-01T00:00:04.400Z');
  });

  it('dates it at the decision without a heartbeat, or with one no clock of ours could give yet', () => {
    expect(breachAt(now)).toBe(now.toISOString());
    expect(breachAt(now, null)).toBe(now.toISOString());
    expect(breachAt(now, 'not a time')).toBe(now.toISOString());
    expect(breachAt(now, '2026-06-01T00:00:11.000Z')).toBe(now.toISOString());
  });
});
