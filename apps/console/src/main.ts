// The GPU Exchange console: a market page per market, a provider view and a buyer view, routed by
// the URL's hash (#/market/<id>, #/provider, #/buyer). Everything comes from the public GraphQL API.
import { ApiError, gql } from './api/client';
import { session } from './api/session';
import { apiKeyProblem } from './lib/api-key';
import { KEY_REFUSED_MESSAGE } from './lib/errors';
import { byId, fill, h } from './lib/dom';
import { shownOf } from './lib/paging';
import { parseRoute } from './lib/route';
import { buyerPage } from './pages/buyer';
import { marketPage } from './pages/market';
import { readMarkets } from './pages/markets';
import type { Page } from './pages/page';
import { providerPage } from './pages/provider';

const view = byId('view');
const nav = byId('markets');
const signIn = byId<HTMLFormElement>('sign-in');
const who = byId('who');

const routes: Record<string, Page> = { market: marketPage, provider: providerPage, buyer: buyerPage };
let teardown: (() => void) | undefined;
let firstMarket: string | undefined;
/** Why the market list did not load, until it does. */
let marketsError: string | undefined;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The hash names no page: the home page, which opens the first market when there is one. */
function isHome(): boolean {
  const parsed = parseRoute(window.location.hash);
  return parsed.kind === 'page' && !routes[parsed.name];
}

function route(): void {
  const parsed = parseRoute(window.location.hash);
  teardown?.();
  teardown = undefined;
  for (const link of document.querySelectorAll('nav a'))
    link.classList.toggle('active', link.getAttribute('href') === window.location.hash);
  if (parsed.kind === 'bad') {
    fill(
      view,
      h('h1', {}, 'This link is not valid'),
      h(
        'p',
        { class: 'status error', id: 'route-error' },
        'The address after # has a % escape that is not a character (the link may have been cut short or edited). ',
        h('a', { href: '#/' }, 'Go to the markets'),
      ),
    );
    return;
  }
  const page = routes[parsed.name];
  if (page) teardown = page(view, parsed.params);
  else if (firstMarket) window.location.hash = `#/market/${encodeURIComponent(firstMarket)}`;
  else if (marketsError !== undefined) showMarketsError(marketsError);
  else fill(view, h('h1', {}, 'GPU Exchange'), h('p', { class: 'status' }, 'No market is open yet.'));
}

/** The home page when the market list did not load: why, and a Retry that loads it again. */
function showMarketsError(error: string): void {
  const retry = h('button', { type: 'button', id: 'markets-retry' }, 'Retry');
  retry.addEventListener('click', () => {
    retry.setAttribute('disabled', '');
    void loadMarkets().then(() => {
      if (isHome()) route();
    });
  });
  fill(
    view,
    h('h1', {}, 'GPU Exchange'),
    h('p', { class: 'status error', id: 'markets-error' }, `The markets could not be loaded: ${error}`),
    retry,
  );
}

async function loadMarkets(): Promise<void> {
  try {
    // Every market (up to the bound), page after page: the menu says so where it lists fewer.
    const read = await readMarkets<{ id: string; gpuClass: string; status: string }>('id gpuClass status');
    const markets = read.items;
    const cut = shownOf(markets.length, read.totalCount, 'markets');
    firstMarket = markets.find((m) => m.status === 'OPEN')?.id ?? markets[0]?.id;
    marketsError = undefined;
    fill(
      nav,
      ...markets.map((m) =>
        h('a', { href: `#/market/${encodeURIComponent(m.id)}`, title: m.gpuClass }, m.id),
      ),
      cut === null ? null : h('span', { class: 'muted', id: 'markets-shown' }, cut),
    );
  } catch (error) {
    marketsError = message(error);
    fill(nav, h('span', { class: 'error' }, marketsError));
  }
}

function showSignedIn(): void {
  const signedIn = session.key !== null;
  signIn.hidden = signedIn;
  who.hidden = !signedIn;
}

signIn.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = signIn.elements.namedItem('apiKey') as HTMLInputElement;
  const error = byId('sign-in-error');
  const key = input.value.trim();
  input.value = '';
  fill(error);
  if (!key) return;
  const problem = apiKeyProblem(key);
  if (problem) {
    fill(error, problem);
    return;
  }
  session.set(key);
  void (async () => {
    let me: { id: string; owner: string };
    try {
      ({ me } = await gql<{ me: { id: string; owner: string } }>('{ me { id owner } }'));
    } catch (e) {
      // Refused here (UNAUTHENTICATED too): signed out, with the gateway's own words.
      session.set(null);
      fill(error, e instanceof ApiError ? e.message : 'sign-in failed');
      return;
    }
    // From here on, the gateway refusing the key signs out (session.refuse).
    session.accept(key);
    fill(
      who,
      'Signed in as ',
      h('strong', { id: 'account-id' }, me.id),
      ' ',
      h('button', { type: 'button', id: 'sign-out', onclick: () => session.set(null) }, 'Sign out'),
    );
    showSignedIn();
    // Read again signed in: the list may have failed before, or changed since.
    await loadMarkets();
    route();
  })();
});

session.onChange(() => {
  if (session.key === null) {
    fill(who);
    // Signed out because the gateway refused the key (revoked, mistyped, the marketplace reset):
    // the sign-in form says so, once; the pages are drawn again signed out.
    if (session.refused) fill(byId('sign-in-error'), KEY_REFUSED_MESSAGE);
    showSignedIn();
    route();
  }
});

window.addEventListener('hashchange', route);
showSignedIn();
void loadMarkets().then(route);
