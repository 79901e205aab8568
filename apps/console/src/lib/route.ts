// The console's routes: the URL's hash (#/market/<id>, #/provider, #/buyer), its parts decoded.

export type Route = { kind: 'page'; name: string; params: string[] } | { kind: 'bad' };

/**
 * The route a hash names: its first part the page, the rest its parameters. A part that cannot be
 * decoded (a lone `%`, or an escape that is not UTF-8, such as `%E0`) makes it a bad link: a
 * hand-edited or truncated URL, which the console says it cannot read rather than guess at.
 */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  try {
    const [name = '', ...params] = parts.map(decodeURIComponent);
    return { kind: 'page', name, params };
  } catch (error) {
    if (error instanceof URIError) return { kind: 'bad' };
    throw error;
  }
}
