// The provider's view (signed in): their nodes with status and certification history (measured
// TFLOP/s per GPU against the model's peak), and what they earned. Each node comes by
// nodeStatusChanged, whose first message is the node as it stands once the subscription is live,
// then every change: a node first found by a read is subscribed, and shown as read until that
// first message replaces it (the page used to read again once subscribed, and a change between
// that read and the subscription's start, which the page cannot see, was shown only at the next
// change). What no subscription carries (the account's balance and earnings, its sales, which
// nodes it has) is read: at the start, when a node changes, and when the socket comes back after
// a drop (for the changes it missed). The leases its nodes sold, with what each earned (a lease
// credited early earns less than its trade's value), and the account's earnings are read again
// every few seconds while shown, as they grow with every charge; apart from the nodes, which are
// not read again for it. The nodes, the sales, the leases sold and each node's certification
// history are shown a page at a time (lib/paging.ts), with a pager where there is more than one
// page: only the nodes of the page shown are subscribed, which keeps a socket's subscriptions
// within what the gateway allows (GATEWAY_WS_MAX_SUBSCRIPTIONS, 20 by default: a page of nodes).
import { followSocket, gql, subscribe } from '../api/client';
import { session } from '../api/session';
import {
  CERTIFICATION_FIELDS,
  certificationChart,
  formatTflops,
  howOf,
  measuredOf,
  type CertificationEntry,
} from '../lib/certifications';
import { fill, h, serial, table, time } from '../lib/dom';
import { leaseStatus } from '../lib/leases';
import { afterOf, type Connection, firstPage, PAGING_FIELDS, type Paging } from '../lib/paging';
import { unlisted, unwatched } from '../lib/resync';
import { formatUsd } from '../lib/usd';
import { CERTIFICATION_SERIES, certificationsChart } from './charts';
import type { Page } from './page';
import { pager } from './pager';

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
  /** The first page of its certification history, newest first. */
  certifications: Connection<CertificationEntry>;
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
/** A lease one of the provider's nodes sold: what it earned of its value so far. */
interface Lease {
  id: string;
  /** The account that sold it: the page shows the ones this account sold, not those it bought. */
  providerId: string;
  marketId: string;
  nodeId: string;
  gpus: number;
  hours: number;
  price: string;
  status: string;
  /** Why it ended early, when it is CREDITED. */
  endedReason: string | null;
  progress: number;
  /** What the provider earned of it so far: its charges less the fee. */
  earned: string;
  /** Its trade's value: what it earns if delivered in full. */
  value: string;
  end: string;
}
/** A page of the nodes and one of the trades, as the page reads them. */
interface ProviderData {
  me: { id: string };
  myNodes: Connection<Node>;
  myFills: Connection<Fill>;
}
/** Where the nodes and the trades stand, as the read was made. */
interface ProviderPaging {
  nodes: Paging;
  fills: Paging;
}
interface Earnings {
  me: { id: string; balance: string; earned: string };
  myLeases: Connection<Lease>;
}

/** Nodes a page: as many as a socket may subscribe to by default (GATEWAY_WS_MAX_SUBSCRIPTIONS). */
const NODES_PAGE = 20;
/** Trades a page (the sales among them shown). */
const FILLS_PAGE = 50;
/** Leases a page (the ones sold shown). */
const LEASES_PAGE = 30;
/** Certifications a page, each node's. */
const HISTORY_PAGE = 20;
/** The first page of a node's certification history: a list only ever appended to. */
const HISTORY_PAGING = firstPage(HISTORY_PAGE, { onlyGrows: true });

const LEASE = 'id providerId marketId nodeId gpus hours price status endedReason progress earned value end';
// myLeases holds an account's leases as buyer too (a key may be given both roles): filtered below.
const EARNINGS = `query($leases: String) { me { id balance earned }
  myLeases(first: ${LEASES_PAGE}, after: $leases) { edges { node { ${LEASE} } } ${PAGING_FIELDS} } }`;
/** How often the earnings and leases are read again while the page is shown. */
const EARNINGS_REFRESH_MS = 5_000;

const HISTORY = `certificationRecords(first: ${HISTORY_PAGE}, after: $after) { edges { node { ${CERTIFICATION_FIELDS} } } ${PAGING_FIELDS} }`;
const NODE = `id gpuModel gpus region marketId status online tier tflopsPerGpu challengeSize efficiency certifiedUntil
  certifiedBy lastHeartbeatAt suspendedReason
  certifications: certificationRecords(first: ${HISTORY_PAGE}) { edges { node { ${CERTIFICATION_FIELDS} } } ${PAGING_FIELDS} }`;
const FILL = 'tradeId side marketId nodeId price gpus hours value time';

export const providerPage: Page = (root) => {
  /** The nodeStatusChanged subscriptions by node; one that ended is subscribed again by the next load. */
  const subscriptions = new Map<string, () => void>();
  /**
   * Every node of the page shown that a read has found: one not among them is subscribed when a read
   * finds it, and one the page no longer lists (another page is shown) is let go of.
   */
  const seen = new Set<string>();
  /** Each node of the page as the last read found it. */
  const read = new Map<string, Node>();
  /** The page of each node's certification history shown past its first (which comes with the node). */
  const histories = new Map<string, { paging: Paging; read: Connection<CertificationEntry> }>();
  /** The page of each node's history last asked for: a read of another answering late is dropped. */
  const historiesAsked = new Map<string, Paging>();
  /**
   * The pages of the nodes, the trades and the leases shown. Each list only grows, as does each
   * node's certification history (HISTORY_PAGING): no node, trade or lease ever leaves the account's.
   */
  let paging: ProviderPaging = {
    nodes: firstPage(NODES_PAGE, { onlyGrows: true }),
    fills: firstPage(FILLS_PAGE, { onlyGrows: true }),
  };
  let leasesPaging = firstPage(LEASES_PAGE, { onlyGrows: true });
  /**
   * The last node each running subscription sent: newer than any read's (the subscription sends the
   * node as it stands once live, then every change), so shown over the read's.
   */
  const sent = new Map<string, Node>();
  /** Each node's chart, by node. */
  const charts = new Map<string, () => void>();
  const removeCharts = () => {
    charts.forEach((remove) => remove());
    charts.clear();
  };
  /** Torn down: a query that answers after it draws and subscribes nothing. */
  let closed = false;
  /** What the last load found, for the status line. */
  let summary: string | undefined;
  const status = h('p', { class: 'status', id: 'provider-status' }, 'loading…');
  const body = h('div', {});
  /** The earnings and the leases sold: drawn by their own read, kept across the page's draws. */
  const earnings = h('div', { id: 'provider-earnings' });
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
    /** Whether the subscription's first message (the node as it stands once live) came. */
    let first = true;
    const stop = subscribe<{ nodeStatusChanged: Node }>(
      `subscription($id: ID!) { nodeStatusChanged(nodeId: $id) { ${NODE} } }`,
      { id: nodeId },
      ({ nodeStatusChanged }) => {
        if (closed || subscriptions.get(nodeId) !== stop) return;
        sent.set(nodeId, nodeStatusChanged);
        showNode(nodeId);
        // The node is shown as sent; what it changed beyond the node (its sales, what the account
        // earned) is read again. The first message is no change: the node as it stands.
        if (!first) void load();
        first = false;
      },
      (error) => {
        // Ended (a fatal close: 4401 key revoked, 1008 too many sockets) or refused: stopped either
        // way, so that a later load starts it afresh rather than beside one still running; its last
        // node is no longer kept current, and the reads show theirs until the next one's first.
        stop();
        if (subscriptions.get(nodeId) === stop) {
          subscriptions.delete(nodeId);
          sent.delete(nodeId);
        }
        if (!closed) fill(status, `subscription: ${error.message}`);
      },
    );
    // Started after teardown (it should not be): nothing would ever stop it.
    if (closed) stop();
    else subscriptions.set(nodeId, stop);
  };

  /** Lets go of a node the page no longer lists: its subscription is stopped, what it sent forgotten. */
  const forget = (nodeId: string) => {
    seen.delete(nodeId);
    read.delete(nodeId);
    subscriptions.get(nodeId)?.();
    subscriptions.delete(nodeId);
    sent.delete(nodeId);
    histories.delete(nodeId);
    historiesAsked.delete(nodeId);
  };

  const load = serial(async () => {
    if (closed) return;
    // Subscribe first, then read: the nodes known whose subscription ended are subscribed again
    // before the read (one refused at once is not read again for it: that would read without end).
    seen.forEach(watch);
    const asked = paging;
    try {
      const data = await gql<ProviderData>(
        `query($nodes: String, $fills: String) { me { id }
           myNodes(first: ${NODES_PAGE}, after: $nodes) { edges { node { ${NODE} } } ${PAGING_FIELDS} }
           myFills(first: ${FILLS_PAGE}, after: $fills) { edges { node { ${FILL} } } ${PAGING_FIELDS} } }`,
        { nodes: afterOf(asked.nodes), fills: afterOf(asked.fills) },
      );
      if (closed) return;
      // Another page was asked for meanwhile: the read that follows (serial) shows it.
      if (asked !== paging) return;
      const ids = data.myNodes.edges.map(({ node }) => node.id);
      // The nodes of the page shown before, stopped before this page's start: a socket holds a page's.
      for (const id of unlisted(seen, ids)) forget(id);
      // A node this read found for the first time was not watched while it ran: watched now, its
      // subscription's first message is the node as it stands once live, which replaces the read's
      // (a change between the two is in it). Nothing is read again for it.
      for (const id of unwatched(ids, seen)) {
        seen.add(id);
        watch(id);
      }
      render(data, asked);
      await loadEarnings();
      if (closed) return;
      summary = `Account ${data.me.id}: ${data.myNodes.totalCount} node(s)`;
      showStatus();
      status.dataset['loaded'] = 'true';
    } catch (error) {
      if (!closed) fill(status, error instanceof Error ? error.message : String(error));
    }
  });

  /** The node as last sent by its subscription, else as last read. */
  const current = (node: Node): Node => sent.get(node.id) ?? node;

  /** Draws one node's card again, as its subscription last sent it (else as last read). */
  const showNode = (nodeId: string) => {
    const node = sent.get(nodeId) ?? read.get(nodeId);
    const card = body.querySelector(`section.node[data-node-id="${CSS.escape(nodeId)}"]`);
    // Not drawn yet (the read that found it has not drawn): drawn with the read, as sent.
    if (!node || !card) return;
    charts.get(nodeId)?.();
    charts.delete(nodeId);
    card.replaceWith(nodeCard(node));
  };

  /** Shows that page of a node's certification history: the first comes with the node, another is read. */
  const showHistory = async (nodeId: string, to: Paging) => {
    historiesAsked.set(nodeId, to);
    if (to.cursors.length === 0) {
      histories.delete(nodeId);
      showNode(nodeId);
      return;
    }
    try {
      const { gpuNode } = await gql<{
        gpuNode: { certificationRecords: Connection<CertificationEntry> } | null;
      }>(`query($id: ID!, $after: String) { gpuNode(id: $id) { ${HISTORY} } }`, {
        id: nodeId,
        after: afterOf(to),
      });
      // Gone from the page meanwhile (another page of nodes is shown): nothing to draw.
      if (closed || !gpuNode || !seen.has(nodeId) || historiesAsked.get(nodeId) !== to) return;
      histories.set(nodeId, { paging: to, read: gpuNode.certificationRecords });
      showNode(nodeId);
    } catch (error) {
      if (!closed) fill(status, error instanceof Error ? error.message : String(error));
    }
  };

  const render = (data: ProviderData, at: ProviderPaging) => {
    removeCharts();
    read.clear();
    for (const { node } of data.myNodes.edges) read.set(node.id, node);
    const sales = data.myFills.edges.map((e) => e.node).filter((f) => f.side === 'ASK');
    /** Shows another page of the nodes or of the trades: read again, the page's subscriptions moved. */
    const go = (to: Partial<ProviderPaging>) => {
      paging = { ...paging, ...to };
      void load();
    };
    fill(
      body,
      earnings,
      pager({ id: 'provider-nodes-pager' }, at.nodes, data.myNodes, 'nodes', (nodes) => go({ nodes })),
      ...data.myNodes.edges.map(({ node }) => nodeCard(current(node))),
      h(
        'section',
        {},
        h('h2', {}, 'Sales'),
        pager(
          { id: 'provider-sales-pager' },
          at.fills,
          data.myFills,
          'trades',
          (fills) => go({ fills }),
          ', the sales among them shown',
        ),
        table(
          ['Time (UTC)', 'Market', 'Node', 'Price', 'GPUs', 'Hours', 'Trade value'],
          sales.map((f) =>
            h(
              'tr',
              { 'data-trade-id': f.tradeId },
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

  /** Draws the earnings and the leases sold, with what each earned of its value. */
  const showEarnings = (data: Earnings, at: Paging) =>
    fill(
      earnings,
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
      h(
        'section',
        { id: 'provider-leases' },
        h('h2', {}, 'Leases sold'),
        pager(
          { id: 'provider-leases-pager' },
          at,
          data.myLeases,
          'leases',
          (to) => {
            leasesPaging = to;
            void loadEarnings();
          },
          ', the ones sold shown',
        ),
        table(
          [
            'Lease',
            'Market',
            'Node',
            'GPUs',
            'Hours',
            'Price',
            'Progress',
            'Earned',
            'Value',
            'Status',
            'Ends (UTC)',
          ],
          data.myLeases.edges
            .filter(({ node: l }) => l.providerId === data.me.id)
            .map(({ node: l }) =>
              h(
                'tr',
                { 'data-lease-id': l.id },
                h('td', {}, l.id),
                h('td', {}, l.marketId),
                h('td', {}, l.nodeId),
                h('td', {}, l.gpus),
                h('td', {}, l.hours),
                h('td', {}, formatUsd(l.price)),
                h(
                  'td',
                  {},
                  h('progress', { max: 1, value: l.progress }),
                  ` ${(l.progress * 100).toFixed(0)}%`,
                ),
                h('td', { class: 'lease-earned' }, formatUsd(l.earned)),
                h('td', { class: 'lease-value' }, formatUsd(l.value)),
                h('td', { class: 'lease-status' }, leaseStatus(l)),
                h('td', {}, time(l.end)),
              ),
            ),
          'no leases sold yet',
        ),
      ),
    );

  const loadEarnings = serial(async () => {
    if (closed) return;
    const asked = leasesPaging;
    try {
      const data = await gql<Earnings>(EARNINGS, { leases: afterOf(asked) });
      // Another page was asked for meanwhile: the read that follows (serial) shows it.
      if (!closed && asked === leasesPaging) showEarnings(data, asked);
    } catch (error) {
      if (!closed) fill(status, error instanceof Error ? error.message : String(error));
    }
  });

  const nodeCard = (node: Node) => {
    const chartEl = h('div', { class: 'chart small', 'data-node-chart': node.id });
    // The page of its history shown: the first, as the node came, unless another was asked for.
    const history = histories.get(node.id) ?? { paging: HISTORY_PAGING, read: node.certifications };
    const certifications = history.read.edges.map((e) => e.node);
    const data = certificationChart(certifications, node);
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
      // One series per precision: f16 only where the node has an f16 certificate.
      h(
        'p',
        { class: 'legend', 'data-node-legend': node.id },
        ...(['f32', 'f16'] as const)
          .filter((precision) => precision === 'f32' || data.f16.length > 0)
          .map((precision) =>
            h(
              'span',
              { 'data-series': precision },
              h('span', {
                class: 'swatch',
                style: `border-top-color: ${CERTIFICATION_SERIES[precision].color}; border-top-style: ${CERTIFICATION_SERIES[precision].border}`,
              }),
              CERTIFICATION_SERIES[precision].label,
            ),
          ),
      ),
      chartEl,
      table(
        ['Time (UTC)', 'Outcome', 'How', 'TFLOP/s per GPU'],
        certifications.map((c) => {
          // At the precision it measured: an f16 certificate's f16 figure, not the f32 it kept.
          const measured = measuredOf(c, node.gpus);
          return h(
            'tr',
            { class: c.kind === 'FAILED' ? 'ask' : 'bid' },
            h('td', {}, time(c.recordedAt)),
            h('td', {}, c.kind === 'FAILED' ? `failed: ${c.reason ?? ''}` : 'passed'),
            h('td', {}, howOf(c)),
            h('td', {}, measured === null ? '—' : formatTflops(measured.tflopsPerGpu, 2)),
          );
        }),
        'no certifications yet',
      ),
      pager(
        { 'data-history-pager': node.id },
        history.paging,
        history.read,
        'certifications',
        (to) => void showHistory(node.id, to),
      ),
    );
    // The chart sizes itself to its container: draw it once the card is in the page (unless it was
    // replaced meanwhile, by a newer node or a newer read).
    queueMicrotask(() => {
      if (closed || !chartEl.isConnected) return;
      charts.get(node.id)?.();
      charts.set(node.id, certificationsChart(chartEl, data));
    });
    return card;
  };

  const socket = followSocket({ changed: showStatus, back: () => void load() });
  void load();
  const timer = window.setInterval(() => void loadEarnings(), EARNINGS_REFRESH_MS);
  return () => {
    closed = true;
    window.clearInterval(timer);
    socket.stop();
    subscriptions.forEach((stop) => stop());
    subscriptions.clear();
    removeCharts();
  };
};
