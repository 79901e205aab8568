// A paged list's controls (lib/paging.ts): what the page shows of how many items (pageCaption),
// and Previous / Next. Nothing where the first page holds the whole list, so a short list looks as
// it always did.
import { h } from '../lib/dom';
import { type Connection, nextPage, pageCaption, type Paging, previousPage } from '../lib/paging';

/**
 * The pager of the page `read` (read as `paging` says), `attrs` its element's (an id, or data-*
 * naming whose it is); `go` is called with
 * the page to show when a button is pressed (the page the buttons were drawn for is the one moved
 * from). `note` follows the caption (what the list shows of the page, where it filters it).
 */
export function pager(
  attrs: Record<string, string>,
  paging: Paging,
  read: Connection<unknown>,
  noun: string,
  go: (to: Paging) => void,
  note = '',
): HTMLElement | null {
  const caption = pageCaption(paging, read, noun);
  if (caption === null) return null;
  const previous = previousPage(paging);
  const next = nextPage(paging, read);
  const button = (cls: string, label: string, to: Paging | null) =>
    h('button', { type: 'button', class: cls, disabled: to === null, onclick: () => to && go(to) }, label);
  return h(
    'p',
    { ...attrs, class: 'pager muted' },
    h('span', { class: 'pager-caption' }, caption, note),
    ' ',
    button('pager-previous', '‹ Previous', previous),
    ' ',
    button('pager-next', 'Next ›', next),
  );
}
