// The provider's view (signed in): their nodes with status and certification history (measured
// TFLOP/s per GPU against the model's peak), and what they earned. Node changes come by
// nodeStatusChanged; the figures are read again when one does, and when the socket comes back
// after a drop (for the changes it missed). A node is subscribed before the read that shows it
// last: one first found by a read is subscribed, then read again.
import { followSocket, gql, subscribe } from '../api/client';
import { session } from '../api/session';
import { certificationChart, formatTflops, type CertificationEntry } from '../lib/certifications';
import { fill, h, serial, table, time } from '../lib/dom';
import { unwatched } from '../lib/resync';
import { formatUsd } from '../lib/usd';
import { certificationsChart } from './charts';
import type { Page } from './page';

interface Node {
  id: string;
  gpuModel: string;
  gpus: number;
  region: string;
  marketId: string;
  status: string;
  online: boolean;
  tier: string | null;
  tflopsPerGpu: number | null;
  /** The size n of the products the f32 figure was measured on. */
  challengeSize: number | null;
  efficiency: number | null;
  certifiedUntil: string | null;
  certifiedBy: string | null;
  lastHeartbeatAt: string | null;
  suspendedReason: string | null;
  certifications: CertificationEntry[];
}
interface Fill {
  tradeId: string;
  side: string;
  marketId: string;
  nodeId: string;
  price: string;
  gpus: number;
  hours: number;
  value: string;
  time: string;
}
interface ProviderData {
  me: { id: string; balance: string; earned: string };
  myNodes: Node[];
  myFills: { edges: { node: Fill }[] };
}

/** The API's answer: connections, flattened into ProviderData. */
type Answer = Omit<ProviderData, 'myNodes'> & {
  myNodes: {
    edges: {
      node: Omit<Node, 'certifications'> & { certifications: { edges: { node: CertificationEntry }[] } };
    }[];
  };
};
const flatten = (answer: Answer): ProviderData => ({
  ...answer,
  myNodes: answer.myNodes.edges.map(({ node }) => ({
    ...node,
    certifications: node.certifications.edges.map((e) => e.node),
  })),
});

const NODE = `id gpuModel gpus region marketId status online tier tflopsPerGpu challengeSize efficiency certifiedUntil
  certifiedBy lastHeartbeatAt suspendedReason certifications(first: 20) { edges { node } }`;

export const providerPage: Page = (root) => {
  /** The nodeStatusChanged subscriptions by node; one that ended is subscribed again by the next load. */
  const subscriptions = new Map<string, () => void>();
  /** Every node a read has shown: one not among them is read again once subscribed. */
  const seen = new Set<string>();
  const charts: (() => void)[] = [];
  /** Torn down: a query that answers after it draws and subscribes nothing. */
  let closed = false;
  /** What the last load found, for the status line. */
  let summary: string | undefined;
  const status = h('p', { class: 'status', id: 'provider-status' }, 'loading…');
  const body = h('div', {});
  fill(root, h('h1', {}, 'Provider'), status, body);
  if (!session.key) {
    fill(status, 'Sign in with a provider API key (above) to see your nodes.');
    return () => undefined;
  }
  const showStatus = () => {
    if (summary !== undefined) fill(status, summary, socket.down() ? ' · reconnecting…' : '');
  };

  const watch = (nodeId: string) => {
    if (subscriptions.has(nodeId)) return;
    const stop = subscribe(
      `subscription($id: ID!) { nodeStatusChanged(nodeId: $id) { id status } }`,
      { id: nodeId },
      () => void load(),
      (error) => {
        // Ended (a fatal close: 4401 key revoked, 1008 too many sockets) or refused: stopped either
        // way, so that a later load starts it afresh rather than beside one still running.
        stop();
        if (subscriptions.get(nodeId) === stop) subscriptions.delete(nodeId);
        if (!closed) fill(status, `subscription: ${error.message}`);
      },
    );
    // Started after teardown (it should not be): nothing would ever stop it.
    if (closed) stop();
    else subscriptions.set(nodeId, stop);
  };

  const load = serial(async () => {
    if (closed) return;
    // Subscribe first, then read: the nodes known whose subscription ended are subscribed again
    // before the read (one refused at once is not read again for it: that would read without end).
    seen.forEach(watch);
    try {
      const answer = await gql<Answer>(
        `{ me { id balance earned } myNodes(first: 20) { edges { node { ${NODE} } } }
           myFills(first: 50) { edges { node { tradeId side marketId nodeId price gpus hours value time } } } }`,
      );
      if (closed) return;
      const data = flatten(answer);
      charts.splice(0).forEach((remove) => remove());
      render(data);
      // A node this read found for the first time was not watched while it ran, so a change to it
      // between the two would be lost: watched now, it is read again (serial runs the load once
      // more when this one ends). A change to a node watched already calls load itself, and runs
      // a read after this one the same way.
      const found = unwatched(
        data.myNodes.map((node) => node.id),
        seen,
      );
      for (const id of found) {
        seen.add(id);
        watch(id);
      }
      if (found.length > 0) void load();
      summary = `Account ${data.me.id}: ${data.myNodes.length} node(s)`;
      showStatus();
      status.dataset['loaded'] = 'true';
    } catch (error) {
      if (!closed) fill(status, error instanceof Error ? error.message : String(error));
    }
  });

  const render = (data: ProviderData) => {
    const sales = data.myFills.edges.map((e) => e.node).filter((f) => f.side === 'ASK');
    fill(
      body,
      h(
        'section',
        { class: 'ticker' },
        h(
          'div',
          { class: 'stat' },
          h('span', { class: 'label' }, 'Earned'),
          h('span', { class: 'value', id: 'provider-earned' }, formatUsd(data.me.earned, 2, '$')),
        ),
        h(
          'div',
          { class: 'stat' },
          h('span', { class: 'label' }, 'Balance'),
          h('span', { class: 'value' }, formatUsd(data.me.balance, 2, '$')),
        ),
      ),
      ...data.myNodes.map(nodeCard),
      h(
        'section',
        {},
        h('h2', {}, 'Sales'),
        table(
          ['Time (UTC)', 'Market', 'Node', 'Price', 'GPUs', 'Hours', 'Value'],
          sales.map((f) =>
            h(
              'tr',
              {},
              h('td', {}, time(f.time)),
              h('td', {}, f.marketId),
              h('td', {}, f.nodeId),
              h('td', {}, formatUsd(f.price)),
              h('td', {}, f.gpus),
              h('td', {}, f.hours),
              h('td', {}, formatUsd(f.value)),
            ),
          ),
          'no sales yet',
        ),
      ),
    );
  };

  const nodeCard = (node: Node) => {
    const chartEl = h('div', { class: 'chart small', 'data-node-chart': node.id });
    const data = certificationChart(node.certifications, node);
    const card = h(
      'section',
      { class: 'node', 'data-node-id': node.id },
      h(
        'h2',
        {},
        `${node.id} `,
        h('span', { class: `badge ${node.status.toLowerCase()}`, 'data-node-status': node.id }, node.status),
        node.online
          ? h('span', { class: 'badge online' }, 'online')
          : h('span', { class: 'badge' }, 'offline'),
      ),
      h(
        'p',
        { class: 'muted' },
        `${node.gpus} × ${node.gpuModel} in ${node.region} · market ${node.marketId} · `,
        node.tflopsPerGpu === null ? 'not measured' : `${formatTflops(node.tflopsPerGpu)} TFLOP/s per GPU`,
        // Measured on products of a size only by a challenge (an administrator's figure is a word).
        node.challengeSize === null || node.certifiedBy !== 'challenge'
          ? ''
          : ` on ${node.challengeSize}×${node.challengeSize} products`,
        data.peakPerGpu === null ? '' : ` · model peak ${formatTflops(data.peakPerGpu)}`,
        node.efficiency === null ? '' : ` (efficiency ${(node.efficiency * 100).toFixed(0)}%)`,
        node.tier ? ` · ${node.tier}` : '',
        ` · certified until ${time(node.certifiedUntil)}`,
        node.suspendedReason ? ` · suspended: ${node.suspendedReason}` : '',
      ),
      h('h3', {}, 'Certification history: measured TFLOP/s per GPU against the model peak'),
      chartEl,
      table(
        ['Time (UTC)', 'Outcome', 'How', 'TFLOP/s per GPU'],
        node.certifications.map((c) =>
          h(
            'tr',
            { class: c.ok === false ? 'ask' : 'bid' },
            h('td', {}, time(c.at)),
            h('td', {}, c.ok === false ? `failed: ${c.reason ?? ''}` : 'passed'),
            h('td', {}, c.method ?? c.purpose ?? ''),
            h(
              'td',
              {},
              c.tflopsPerGpu?.f32 !== undefined
                ? formatTflops(c.tflopsPerGpu.f32, 2)
                : c.measuredTflops !== undefined
                  ? formatTflops(c.measuredTflops / node.gpus, 2)
                  : '—',
            ),
          ),
        ),
        'no certifications yet',
      ),
    );
    // The chart sizes itself to its container: draw it once the card is in the page.
    queueMicrotask(() => {
      if (!closed) charts.push(certificationsChart(chartEl, data));
    });
    return card;
  };

  const socket = followSocket({ changed: showStatus, back: () => void load() });
  void load();
  return () => {
    closed = true;
    socket.stop();
    subscriptions.forEach((stop) => stop());
    subscriptions.clear();
    charts.splice(0).forEach((remove) => remove());
  };
};
