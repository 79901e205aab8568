import { EVENT_SOURCED_SERVICES, TOPICS, topic } from './topics';

describe('topic registry', () => {
  it('names every topic once', () => {
    const names = TOPICS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(EVENT_SOURCED_SERVICES)(
    'gives %s commands, events and snapshots with one partition count',
    (service) => {
      const counts = (['commands', 'events', 'snapshots'] as const).map(
        (role) => topic(service, role).partitions,
      );
      expect(new Set(counts).size).toBe(1);
      expect(counts[0]).toBeGreaterThan(0);
    },
  );

  it('keeps events forever and compacts snapshots', () => {
    for (const service of EVENT_SOURCED_SERVICES) {
      expect(topic(service, 'events')).toMatchObject({ retentionMs: -1, cleanupPolicy: 'delete' });
      expect(topic(service, 'snapshots')).toMatchObject({ cleanupPolicy: 'compact' });
    }
  });

  it('prefixes names with a namespace and keeps everything else', () => {
    expect(topic('settlement', 'events', 'bench-1')).toEqual({
      ...topic('settlement', 'events'),
      name: 'bench-1.settlement.events',
    });
  });

  it('refuses to name a topic that does not exist', () => {
    expect(() => topic('gateway' as never, 'events')).toThrow('no events topic for gateway');
  });
});
