/**
 * How many bids each account has resting in the book, kept as orders enter and leave (never
 * snapshotted: a book restored from its snapshot counts them again). The market refuses a bid that
 * could rest from an account that has as many as it allows (rules/resting-bids.ts); counting the
 * book's bids for every bid made each one cost the whole book.
 */
import type { Resting } from './order-book';

export class RestingBids {
  private readonly byOwner = new Map<string, number>();

  /** A bid entered the book (an ask is not counted). */
  enter(order: Resting): void {
    if (order.side !== 'bid') return;
    this.byOwner.set(order.owner, (this.byOwner.get(order.owner) ?? 0) + 1);
  }

  /** A bid left the book (filled, or cancelled). */
  leave(order: Resting): void {
    if (order.side !== 'bid') return;
    const left = (this.byOwner.get(order.owner) ?? 0) - 1;
    if (left > 0) this.byOwner.set(order.owner, left);
    else this.byOwner.delete(order.owner);
  }

  /** The bids `owner` has resting. */
  of(owner: string): number {
    return this.byOwner.get(owner) ?? 0;
  }
}
