import { Envelope, MessageOf, OrdersEvents } from '@gpux/contracts';

/** The orders events pricing folds, typed by their contract. */
export type PricedEvent =
  | MessageOf<typeof OrdersEvents.marketOpened>
  | MessageOf<typeof OrdersEvents.marketClosed>
  | MessageOf<typeof OrdersEvents.orderAccepted>
  | MessageOf<typeof OrdersEvents.tradeExecuted>
  | MessageOf<typeof OrdersEvents.orderCancelled>;

const PRICED = new Set<string>(
  [
    OrdersEvents.marketOpened,
    OrdersEvents.marketClosed,
    OrdersEvents.orderAccepted,
    OrdersEvents.tradeExecuted,
    OrdersEvents.orderCancelled,
  ].map((m) => m.type),
);

/** The event as one pricing folds (the runner has validated its data), or undefined for the others. */
export function pricedEvent(event: Envelope): PricedEvent | undefined {
  return PRICED.has(event.type) ? ({ type: event.type, data: event.data } as PricedEvent) : undefined;
}
