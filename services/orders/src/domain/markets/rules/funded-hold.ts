import { holdFor, type Order } from '@gpux/contracts';

/**
 * The funded-hold rule: a bid held for before it was placed (at the fee its placer read) needs its
 * worst case at the market's fee now. Short of it, the bid is refused (its hold released); above
 * it, the surplus is released as the bid enters the book, so what stays held is exactly the hold
 * every later trade and cancel releases from.
 */
export function fundedShortfall(
  order: Pick<Order, 'gpus' | 'hours' | 'price'>,
  heldAmount: number,
  feeRateBps: number,
): { needed: number; short: boolean; surplus: number } {
  const needed = holdFor(order, feeRateBps);
  return heldAmount < needed
    ? { needed, short: true, surplus: 0 }
    : { needed, short: false, surplus: heldAmount - needed };
}
