import { Envelope, isMessageOf, MessageOf, OrdersEvents } from '@gpux/contracts';

const PRICED = [
  OrdersEvents.marketOpened,
  OrdersEvents.marketClosed,
  OrdersEvents.orderAccepted,
  OrdersEvents.tradeExecuted,
  OrdersEvents.orderCancelled,
] as const;

/** The orders events pricing folds, typed by their contract. */
export type PricedEvent = MessageOf<(typeof PRICED)[number]>;

/** The event as one pricing folds (the runner has validated its data), or undefined for the others. */
export function pricedEvent(event: Envelope): PricedEvent | undefined {
  return isMessageOf(event, PRICED) ? event : undefined;
}
