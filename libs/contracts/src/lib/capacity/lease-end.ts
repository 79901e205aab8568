/**
 * The end (epoch ms) of the lease a node is running, read from its hash in capacity's read model
 * (`leasedUntilMs`, `leasedFromMs`, `breachedAtMs`); undefined when it has none on record, or when
 * its latest lease began before its last SLA breach: a breach ends every lease the node then ran,
 * whatever end the lease was traded with.
 */
export function leaseEnd(node: Readonly<Record<string, string | undefined>>): number | undefined {
  const until = Number(node['leasedUntilMs']);
  if (!node['leasedUntilMs'] || !Number.isFinite(until)) return undefined;
  const breached = Number(node['breachedAtMs']);
  if (!node['breachedAtMs'] || !Number.isFinite(breached)) return until;
  return Number(node['leasedFromMs'] ?? 0) > breached ? until : undefined;
}
