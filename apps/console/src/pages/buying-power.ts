// The buyer's buying power in the market chosen in the order form (allotBuyingPower): what of it
// no bid uses, and a form to allot more or release some (all of it, with no amount). Bids placed
// with funding BUYING_POWER spend it; the API's own refusals are shown as the order form shows
// them (code, field, message).
import { ApiError, gql } from '../api/client';
import { fill, h } from '../lib/dom';
import { formatUsd } from '../lib/usd';

export interface BuyingPowerPanel {
  element: HTMLElement;
  /** Reads the buying power of `marketId` again (none chosen: says so). */
  refresh(marketId: string): Promise<void>;
}

/** `changed`: after an allotment or a release, so that the page reads the balance again. */
export function buyingPowerPanel(marketOf: () => string, changed: () => void): BuyingPowerPanel {
  const available = h('span', { class: 'value', id: 'buyer-power-available' }, '—');
  const amount = h('input', { name: 'amount', id: 'power-amount', placeholder: 'e.g. 100.00' });
  const result = h('pre', { class: 'result', id: 'power-result', role: 'status' });
  const refresh = async (marketId: string) => {
    if (!marketId) {
      fill(available, 'choose a market in the order form');
      return;
    }
    const { buyingPower } = await gql<{ buyingPower: { available: string } }>(
      `query($m: ID!) { buyingPower(marketId: $m) { available } }`,
      { m: marketId },
    );
    fill(available, `${formatUsd(buyingPower.available, 2, '$')} in ${marketId}`);
    available.dataset['market'] = marketId;
  };

  const act = async (mutation: 'allotBuyingPower' | 'releaseBuyingPower') => {
    const marketId = marketOf();
    fill(result);
    result.className = 'result';
    result.dataset['code'] = '';
    const value = amount.value.trim();
    if (!marketId) {
      fill(result, 'Choose a market in the order form first.');
      result.className = 'result error';
      return;
    }
    try {
      const answer = await gql<Partial<Record<string, { available: string }>>>(
        `mutation($m: ID!, $a: Usd${mutation === 'allotBuyingPower' ? '!' : ''}) { ${mutation}(marketId: $m, amount: $a) { available } }`,
        { m: marketId, ...(value ? { a: value } : {}) },
      );
      fill(result, `buying power in ${marketId}: ${formatUsd(answer[mutation]?.available ?? '0', 2, '$')}`);
    } catch (e) {
      fill(result, e instanceof Error ? e.message : String(e));
      result.className = 'result error';
      result.dataset['code'] = e instanceof ApiError ? (e.errors[0]?.extensions?.code ?? '') : '';
    }
    await refresh(marketId).catch(() => undefined);
    changed();
  };

  const element = h(
    'section',
    { id: 'buyer-power' },
    h('h2', {}, 'Buying power'),
    h(
      'p',
      { class: 'muted' },
      'Money set aside for your bids in one market: a bid with funding BUYING_POWER is decided by the market alone. What no bid uses: ',
      available,
    ),
    h(
      'form',
      {
        id: 'power-form',
        class: 'order-form',
        onsubmit: (event: Event) => event.preventDefault(),
      },
      h('label', {}, 'Amount $ ', amount),
      h(
        'button',
        { type: 'button', id: 'power-allot', onclick: () => void act('allotBuyingPower') },
        'Allot',
      ),
      h(
        'button',
        { type: 'button', id: 'power-release', onclick: () => void act('releaseBuyingPower') },
        'Release (all, without an amount)',
      ),
    ),
    result,
  );
  return { element, refresh };
}
