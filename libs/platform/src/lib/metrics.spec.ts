import { readForScrape, ServiceMetrics } from './metrics';

describe('ServiceMetrics', () => {
  it("writes the Prometheus text format, every line with the service's label, Node's default metrics included", async () => {
    const metrics = new ServiceMetrics('orders');
    metrics
      .counter<'command_type'>({
        name: 'test_commands_total',
        help: 'Commands',
        labelNames: ['command_type'],
      })
      .inc({ command_type: 'orders.PlaceOrder' }, 2);
    const text = await metrics.text();
    expect(text).toContain('# HELP test_commands_total Commands');
    expect(text).toContain('# TYPE test_commands_total counter');
    expect(text).toContain('test_commands_total{command_type="orders.PlaceOrder",service="orders"} 2');
    expect(text).toMatch(/^process_cpu_seconds_total\{service="orders"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="orders"\} /m);
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });

  it('gives the same metric to everyone who asks for its name, so modules can share one', () => {
    const metrics = new ServiceMetrics('settlement');
    const first = metrics.histogram({ name: 'test_seconds', help: 'h' });
    expect(metrics.histogram({ name: 'test_seconds', help: 'h' })).toBe(first);
    expect(metrics.gauge({ name: 'test_gauge', help: 'g' })).toBe(
      metrics.gauge({ name: 'test_gauge', help: 'g' }),
    );
  });

  it('keeps the registries of two services in one process apart', async () => {
    const a = new ServiceMetrics('a');
    const b = new ServiceMetrics('b');
    a.counter({ name: 'test_only_a_total', help: 'a' }).inc();
    expect(await a.text()).toContain('test_only_a_total{service="a"} 1');
    expect(await b.text()).not.toContain('test_only_a_total');
  });
});

describe('readForScrape', () => {
  it('answers what was read, and undefined for a read that fails or does not answer in time', async () => {
    expect(await readForScrape(async () => 42)).toBe(42);
    expect(await readForScrape(() => Promise.reject(new Error('down')))).toBeUndefined();
    expect(await readForScrape(() => new Promise(() => undefined), 10)).toBeUndefined();
  });
});
