// The buyer's view (signed in): balance and holds, leases with their bid, hours, progress and
// charges and up to when they are charged (a credited one: when delivery stopped, and why), and
// orders: place one (on the balance or on buying power), cancel one, with the API's own error
// (code, field, message) when it refuses; buying power in the chosen market (buying-power.ts).
// Orders change by myOrderUpdated, whose first messages are the live orders as they stand: a
// message of an order at or below the version the page shows is dropped, a newer one reads the
// page again. Lease charges are read again every few seconds while shown, and everything when the
// socket comes back after a drop. The orders and the leases are shown a page at a time, with a
// pager where there is more than one page (lib/paging.ts); the order form offers every market, up
// to a bound (MARKETS_BOUND), read page after page.
import { ApiError, followSocket, gql, subscribe } from '../api/client';
import { session } from '../api/session';
import { fill, h, serial, stat, table, time } from '../lib/dom';
import { leaseStatus } from '../lib/leases';
import {
  afterOf,
  type Connection,
  firstPage,
  PAGING_FIELDS,
  type Paging,
  type ReadUpTo,
  shownOf,
} from '../lib/paging';
import { keptSelection } from '../lib/selection';
import { formatUsd } from '../lib/usd';
import { buyingPowerPanel } from './buying-power';
import { marketsPage, readMarkets } from './markets';
import type { Page } from './page';
import { pager } from './pager';

interface Order {
  id: string;
  marketId: string;
  side: string;
  price: string;
  gpus: number;
  hours: number;
  status: string;
  filledGpus: number;
  remainingGpus: number;
  cancelReason: string | null;
  /** A bid's: BALANCE or BUYING_POWER; null for an ask. */
  funding: string | null;
  createdAt: string;
  /** Grows with every change recorded to the order. */
  version: number;
}
interface Lease {
  id: string;
  marketId: string;
  nodeId: string;
  /** The bid it was bought with. */
  orderId: string | null;
  gpus: number;
  hours: number;
  price: string;
  status: string;
  progress: number;
  charged: string;
  value: string;
  fee: string;
  refunded: string;
  /** Why it ended early, when it is CREDITED. */
  endedReason: string | null;
  /** Up to when it is charged (a credited one: when delivery stopped); null before a charge says. */
  chargedUntil: string | null;
  end: string;
}
interface BuyerData {
  me: { id: string; balance: string; held: string; escrow: string };
  /** The markets' first page: the rest, if any, are read after it. */
  markets: Connection<{ id: string }>;
  myOrders: Connection<Order>;
  myLeases: Connection<Lease>;
}
/** Where the orders and the leases stand, as the read was made. */
interface BuyerPaging {
  orders: Paging;
  leases: Paging;
}

const ORDER =
  'id marketId side price gpus hours status filledGpus remainingGpus cancelReason funding createdAt version';
const LEASE =
  'id marketId nodeId orderId gpus hours price status endedReason progress charged chargedUntil value fee refunded end';
const CANCELLABLE = new Set(['OPEN', 'PARTIALLY_FILLED', 'PENDING_FUNDS']);
const LEASE_REFRESH_MS = 5_000;
/** Orders a page, and leases a page. */
const ORDERS_PAGE = 30;
const LEASES_PAGE = 30;

export const buyerPage: Page = (root) => {
  const status = h('p', { class: 'status', id: 'buyer-status' }, 'loading…');
  const account = h('section', { class: 'ticker', id: 'buyer-account' });
  const leases = h('div', { id: 'buyer-leases' });
  const orders = h('div', { id: 'buyer-orders' });
  const error = h('pre', { class: 'result', id: 'order-result', role: 'status' });
  const marketSelect = h('select', { name: 'marketId', id: 'order-market' });
  /** How many of the markets the form offers, where it offers fewer than there are. */
  const marketsShown = h('span', { class: 'muted', id: 'order-markets-shown' });
  const form = h(
    'form',
    { id: 'order-form', class: 'order-form' },
    h('label', {}, 'Market ', marketSelect, marketsShown),
    h(
      'label',
      {},
      'Side ',
      h(
        'select',
        { name: 'side' },
        h('option', { value: 'BID' }, 'BID'),
        h('option', { value: 'ASK' }, 'ASK'),
      ),
    ),
    h('label', {}, 'GPUs ', h('input', { name: 'gpus', type: 'number', min: 1, value: 1, required: true })),
    h('label', {}, 'Hours ', h('input', { name: 'hours', type: 'number', min: 1, value: 1, required: true })),
    h('label', {}, 'Price $/GPU-h ', h('input', { name: 'price', value: '1.00', required: true })),
    h(
      'label',
      {},
      'Time in force ',
      h('select', { name: 'timeInForce' }, ...['GTC', 'IOC', 'FOK'].map((t) => h('option', { value: t }, t))),
    ),
    h(
      'label',
      {},
      'Funding (bids) ',
      h(
        'select',
        { name: 'funding' },
        h('option', { value: 'BALANCE' }, 'balance'),
        h('option', { value: 'BUYING_POWER' }, 'buying power'),
      ),
    ),
    h('label', {}, 'Node (asks) ', h('input', { name: 'nodeId' })),
    h('button', { type: 'submit', id: 'order-submit' }, 'Place order'),
  );
  const power = buyingPowerPanel(
    () => marketSelect.value,
    () => void load(),
  );
  fill(
    root,
    h('h1', {}, 'Buyer'),
    status,
    account,
    h('section', {}, h('h2', {}, 'Place an order'), form, error),
    power.element,
    h('section', {}, h('h2', {}, 'Orders'), orders),
    h('section', {}, h('h2', {}, 'Leases'), leases),
  );
  if (!session.key) {
    fill(status, 'Sign in with a buyer API key (above) to trade.');
    form.querySelector('button')?.setAttribute('disabled', '');
    return () => undefined;
  }

  /** Torn down: a query that answers after it draws and subscribes nothing. */
  let closed = false;
  /** The signed-in account, once loaded, for the status line. */
  let accountId: string | undefined;
  /** The market ids the order form offers. */
  let listed: string[] = [];
  /** The market the user had chosen that is no longer listed, until they choose another. */
  let lost: string | undefined;
  marketSelect.addEventListener('change', () => {
    lost = undefined;
    void power.refresh(marketSelect.value).catch(() => undefined);
  });

  const showStatus = () => {
    if (accountId !== undefined)
      fill(status, `Account ${accountId}`, socket.down() ? ' · reconnecting…' : '');
  };

  const showError = (e: unknown) => {
    fill(error, e instanceof Error ? e.message : String(e));
    error.className = 'result error';
    error.dataset['code'] = e instanceof ApiError ? (e.errors[0]?.extensions?.code ?? '') : '';
  };

  /**
   * The pages of the orders and of the leases shown. Both lists only grow: myOrders unfiltered holds
   * every order of the account (a filled or cancelled one stays), myLeases every lease.
   */
  let paging: BuyerPaging = {
    orders: firstPage(ORDERS_PAGE, { onlyGrows: true }),
    leases: firstPage(LEASES_PAGE, { onlyGrows: true }),
  };

  /** The markets as last read, for the order form. */
  let markets: ReadUpTo<{ id: string }> | undefined;
  const load = serial(async () => {
    const asked = paging;
    try {
      const data = await gql<BuyerData>(
        `query($orders: String, $leases: String, $after: String) { me { id balance held escrow }
           ${marketsPage('id')}
           myOrders(first: ${ORDERS_PAGE}, after: $orders) { edges { node { ${ORDER} } } ${PAGING_FIELDS} }
           myLeases(first: ${LEASES_PAGE}, after: $leases) { edges { node { ${LEASE} } } ${PAGING_FIELDS} } }`,
        { orders: afterOf(asked.orders), leases: afterOf(asked.leases) },
      );
      // The markets after the first page, where there are more (read after it, up to the bound):
      // read again only when their count changed (a market, once opened, stays listed), not on
      // every refresh.
      if (markets === undefined || markets.totalCount !== data.markets.totalCount)
        markets = await readMarkets('id', data.markets);
      if (closed) return;
      // Another page was asked for meanwhile: the read that follows (serial) shows it.
      if (asked !== paging) return;
      render(data, asked);
      showMarkets(markets.items.map((m) => m.id));
      await power.refresh(marketSelect.value).catch(() => undefined);
      const cut = shownOf(markets.items.length, markets.totalCount, 'markets');
      fill(marketsShown, cut === null ? '' : ` (${cut})`);
      watchOrders();
      accountId = data.me.id;
      showStatus();
      status.dataset['loaded'] = 'true';
    } catch (e) {
      if (!closed) fill(status, e instanceof Error ? e.message : String(e));
    }
  });

  /** The version of each order shown (the last read's). */
  let shownVersions = new Map<string, number>();
  let stopOrders: (() => void) | undefined;
  const watchOrders = () => {
    if (closed || stopOrders) return;
    const stop = subscribe<{ myOrderUpdated: { id: string; version: number } }>(
      `subscription { myOrderUpdated { id version } }`,
      {},
      ({ myOrderUpdated: o }) => {
        // Not newer than what is shown (a live order's first message, as the read has it): nothing to do.
        if ((shownVersions.get(o.id) ?? 0) >= o.version) return;
        void load();
      },
      (e) => {
        // Ended (a fatal close: 4401 key revoked, 1008 too many sockets) or refused: stopped either
        // way, so that the next load (the poll's, at the latest) starts it afresh.
        stop();
        if (stopOrders === stop) stopOrders = undefined;
        if (!closed) fill(status, `subscription: ${e.message}`);
      },
    );
    stopOrders = stop;
  };

  /**
   * Offers the markets listed now, keeping the user's choice: a market that has gone is not
   * replaced by another (Place order would send the order there), the form asks again instead.
   */
  const showMarkets = (ids: string[]) => {
    if (ids.length === listed.length && ids.every((id, i) => id === listed[i])) return;
    const selected = marketSelect.value;
    const chosen = keptSelection(selected, listed, ids);
    if (selected && !chosen) lost = selected;
    listed = ids;
    fill(
      marketSelect,
      h('option', { value: '' }, 'choose a market'),
      ...ids.map((id) => h('option', { value: id }, id)),
    );
    marketSelect.value = chosen;
  };

  /** Shows another page of the orders or of the leases: read again. */
  const go = (to: Partial<BuyerPaging>) => {
    paging = { ...paging, ...to };
    void load();
  };

  const render = (data: BuyerData, at: BuyerPaging) => {
    fill(
      account,
      stat('Balance', formatUsd(data.me.balance, 2, '$'), 'buyer-balance'),
      stat('Held for bids and buying power', formatUsd(data.me.held, 2, '$'), 'buyer-held'),
      stat('In escrow for leases', formatUsd(data.me.escrow, 2, '$'), 'buyer-escrow'),
    );
    shownVersions = new Map(data.myOrders.edges.map(({ node: o }) => [o.id, o.version]));
    fill(
      orders,
      pager({ id: 'buyer-orders-pager' }, at.orders, data.myOrders, 'orders', (orders) => go({ orders })),
      table(
        ['Created (UTC)', 'Market', 'Side', 'Price', 'GPUs', 'Filled', 'Hours', 'Status', ''],
        data.myOrders.edges.map(({ node: o }) =>
          h(
            'tr',
            { 'data-order-id': o.id },
            h('td', {}, time(o.createdAt)),
            h('td', {}, o.marketId),
            h('td', { class: 'order-side' }, o.side, o.funding === 'BUYING_POWER' ? ' · buying power' : ''),
            h('td', {}, formatUsd(o.price)),
            h('td', {}, o.gpus),
            h('td', {}, o.filledGpus),
            h('td', {}, o.hours),
            h('td', { class: 'order-status' }, o.status, o.cancelReason ? ` (${o.cancelReason})` : ''),
            h(
              'td',
              {},
              CANCELLABLE.has(o.status)
                ? h('button', { class: 'cancel', onclick: () => void cancel(o.id) }, 'Cancel')
                : '',
            ),
          ),
        ),
        'no orders yet',
      ),
    );
    fill(
      leases,
      pager({ id: 'buyer-leases-pager' }, at.leases, data.myLeases, 'leases', (leases) => go({ leases })),
      table(
        [
          'Lease',
          'Market',
          'Node',
          'Bid',
          'GPUs',
          'Hours',
          'Price',
          'Progress',
          'Charged',
          'Charged until (UTC)',
          'Value',
          'Fee',
          'Refunded',
          'Status',
          'Ends (UTC)',
        ],
        data.myLeases.edges.map(({ node: l }) =>
          h(
            'tr',
            { 'data-lease-id': l.id },
            h('td', {}, l.id.slice(0, 12)),
            h('td', {}, l.marketId),
            h('td', {}, l.nodeId),
            h('td', { class: 'lease-bid' }, l.orderId ?? ''),
            h('td', {}, l.gpus),
            h('td', { class: 'lease-hours' }, l.hours),
            h('td', {}, formatUsd(l.price)),
            h('td', {}, h('progress', { max: 1, value: l.progress }), ` ${(l.progress * 100).toFixed(0)}%`),
            h('td', {}, formatUsd(l.charged)),
            h('td', { class: 'lease-charged-until' }, time(l.chargedUntil)),
            h('td', {}, formatUsd(l.value)),
            h('td', {}, formatUsd(l.fee)),
            h('td', {}, formatUsd(l.refunded)),
            h('td', { class: 'lease-status' }, leaseStatus(l)),
            h('td', { class: 'lease-end' }, time(l.end)),
          ),
        ),
        'no leases yet',
      ),
    );
  };

  const cancel = async (orderId: string) => {
    fill(error);
    try {
      await gql(`mutation($id: ID!) { cancelOrder(orderId: $id) { id status } }`, { id: orderId });
    } catch (e) {
      showError(e);
    }
    await load();
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const f = new FormData(form);
    const text = (name: string) => String(f.get(name) ?? '').trim();
    const input: Record<string, unknown> = {
      marketId: text('marketId'),
      side: text('side'),
      gpus: Number(text('gpus')),
      hours: Number(text('hours')),
      price: text('price'),
      timeInForce: text('timeInForce'),
    };
    if (text('nodeId')) input['nodeId'] = text('nodeId');
    if (text('side') === 'BID' && text('funding') === 'BUYING_POWER') input['funding'] = 'BUYING_POWER';
    fill(error);
    if (!input['marketId']) {
      showError(
        new Error(
          lost
            ? `Market ${lost} is no longer listed: choose a market, then place the order again.`
            : 'Choose a market, then place the order again.',
        ),
      );
      return;
    }
    void (async () => {
      try {
        const { placeOrder } = await gql<{ placeOrder: Order }>(
          `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER} } }`,
          { input },
        );
        fill(error, `order ${placeOrder.id}: ${placeOrder.status}`);
        error.className = 'result';
        error.dataset['code'] = '';
      } catch (e) {
        showError(e);
      }
      await load();
    })();
  });

  const socket = followSocket({ changed: showStatus, back: () => void load() });
  watchOrders();
  const timer = window.setInterval(() => void load(), LEASE_REFRESH_MS);
  void load();
  return () => {
    closed = true;
    socket.stop();
    stopOrders?.();
    stopOrders = undefined;
    window.clearInterval(timer);
  };
};
