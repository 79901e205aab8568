// How many commands each service's partition workers decide per Kafka transaction during a run: its
// `gpux_commands_total` (every recorded outcome) over its command processor's
// `gpux_kafka_transaction_commits_total`, read from the service's /metrics before and after.
// Diagnostic only: a service whose metrics cannot be read is left out.

/** A counter's total over all its series in a Prometheus text exposition (0 when absent). */
export function counterTotal(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(?:\{([^}]*)\})? ([0-9.eE+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const series = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}

interface Counts {
  commands: number;
  commits: number;
}

async function counts(port: number): Promise<Counts | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return {
      commands: counterTotal(text, 'gpux_commands_total'),
      commits: counterTotal(text, 'gpux_kafka_transaction_commits_total', { component: 'command_processor' }),
    };
  } catch {
    return undefined;
  }
}

/**
 * Starts a count over the services at `ports`; the function it returns says, per service, the
 * commands decided and the transactions committed since, and their ratio.
 */
export async function transactionMeter(
  ports: Map<string, number>,
): Promise<
  () => Promise<Record<string, { commands: number; transactions: number; perTransaction: number }>>
> {
  const before = new Map<string, Counts | undefined>();
  for (const [name, port] of ports) before.set(name, await counts(port));
  return async () => {
    const out: Record<string, { commands: number; transactions: number; perTransaction: number }> = {};
    for (const [name, port] of ports) {
      const [a, b] = [before.get(name), await counts(port)];
      if (!a || !b) continue;
      const commands = b.commands - a.commands;
      const transactions = b.commits - a.commits;
      out[name] = {
        commands,
        transactions,
        perTransaction: transactions > 0 ? Math.round((commands / transactions) * 10) / 10 : 0,
      };
    }
    return out;
  };
}
