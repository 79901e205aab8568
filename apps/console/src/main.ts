// The GPU Exchange console: a market page per market, a provider view and a buyer view, routed by
// the URL's hash (#/market/<id>, #/provider, #/buyer). Everything comes from the public GraphQL API.
import { ApiError, gql } from './api/client';
import { session } from './api/session';
import { byId, fill, h } from './lib/dom';
import { buyerPage } from './pages/buyer';
import { marketPage } from './pages/market';
import type { Page } from './pages/page';
import { providerPage } from './pages/provider';

const view = byId('view');
const nav = byId('markets');
const signIn = byId<HTMLFormElement>('sign-in');
const who = byId('who');

const routes: Record<string, Page> = { market: marketPage, provider: providerPage, buyer: buyerPage };
let teardown: (() => void) | undefined;
let firstMarket: string | undefined;

function route(): void {
  const [name = '', ...params] = window.location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  teardown?.();
  teardown = undefined;
  const page = routes[name];
  if (!page) {
    if (firstMarket) window.location.hash = `#/market/${encodeURIComponent(firstMarket)}`;
    else fill(view, h('h1', {}, 'GPU Exchange'), h('p', { class: 'status' }, 'No market is open yet.'));
    return;
  }
  for (const link of document.querySelectorAll('nav a'))
    link.classList.toggle('active', link.getAttribute('href') === window.location.hash);
  teardown = page(view, params);
}

async function loadMarkets(): Promise<void> {
  try {
    const data = await gql<{
      markets: { edges: { node: { id: string; gpuClass: string; status: string } }[] };
    }>('{ markets(first: 100) { edges { node { id gpuClass status } } } }');
    const markets = data.markets.edges.map((e) => e.node);
    firstMarket = markets.find((m) => m.status === 'OPEN')?.id ?? markets[0]?.id;
    fill(
      nav,
      ...markets.map((m) =>
        h('a', { href: `#/market/${encodeURIComponent(m.id)}`, title: m.gpuClass }, m.id),
      ),
    );
  } catch (error) {
    fill(nav, h('span', { class: 'error' }, error instanceof Error ? error.message : String(error)));
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
  session.set(key);
  void (async () => {
    try {
      const { me } = await gql<{ me: { id: string; owner: string } }>('{ me { id owner } }');
      fill(
        who,
        'Signed in as ',
        h('strong', { id: 'account-id' }, me.id),
        ' ',
        h('button', { type: 'button', id: 'sign-out', onclick: () => session.set(null) }, 'Sign out'),
      );
      showSignedIn();
      route();
    } catch (e) {
      session.set(null);
      fill(error, e instanceof ApiError ? e.message : 'sign-in failed');
    }
  })();
});

session.onChange(() => {
  if (session.key === null) {
    fill(who);
    showSignedIn();
    route();
  }
});

window.addEventListener('hashchange', route);
showSignedIn();
void loadMarkets().then(route);
