import { ServiceMetrics } from '@gpux/platform';
import { COMMAND_DEAD_LETTER_REASONS } from '../metrics/metrics';
import { eventSourcingMetrics } from './metrics';

describe('eventSourcingMetrics', () => {
  it('shows what the service may dead-letter at 0 before the first dead letter, so an increase() alert sees the first one', async () => {
    const metrics = new ServiceMetrics('orders');
    const es = eventSourcingMetrics(metrics, undefined, [
      { topic: 'orders.dead-letter', reasons: COMMAND_DEAD_LETTER_REASONS },
      { topic: 'settlement.dead-letter', reasons: ['unreadable_event'] },
    ]);
    let text = await metrics.text();
    const series = (topic: string, reason: string, n: number) =>
      `gpux_dead_letters_total{topic="${topic}",reason="${reason}",service="orders"} ${n}`;
    for (const reason of COMMAND_DEAD_LETTER_REASONS)
      expect(text).toContain(series('orders.dead-letter', reason, 0));
    expect(text).toContain(series('settlement.dead-letter', 'unreadable_event', 0));
    expect(text).not.toContain(series('settlement.dead-letter', 'undecodable', 0));
    es.deadLettered('orders.dead-letter', 'undecodable');
    text = await metrics.text();
    expect(text).toContain(series('orders.dead-letter', 'undecodable', 1));
  });
});
