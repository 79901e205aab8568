/**
 * What each node's resting asks offer, kept up to date as the book changes: the GPUs still in the
 * book per node, and which asks hold them. The free-GPUs rule reads one node's figure for every ask
 * placed; summing the book's asks each time made an ask cost the whole book (a market of 20,000
 * resting orders decided about 600 orders a second, `bench:matching`'s market figure).
 */
import type { Resting } from './order-book';

export class NodeOffers {
  private readonly gpus = new Map<string, number>();
  private readonly asks = new Map<string, Set<string>>();

  /** A resting ask entered the book with its `remaining` GPUs (a bid, or an ask of no node, is not counted). */
  enter(order: Resting): void {
    if (order.side !== 'ask' || !order.nodeId || order.remaining <= 0) return;
    this.gpus.set(order.nodeId, (this.gpus.get(order.nodeId) ?? 0) + order.remaining);
    let ids = this.asks.get(order.nodeId);
    if (!ids) this.asks.set(order.nodeId, (ids = new Set()));
    ids.add(order.id);
  }

  /**
   * `taken` GPUs of a resting ask left the book (traded or cancelled); call it once the order's
   * `remaining` says what is left, so that an ask with none left stops being listed.
   */
  take(order: Resting, taken: number): void {
    if (order.side !== 'ask' || !order.nodeId || taken <= 0) return;
    const left = (this.gpus.get(order.nodeId) ?? 0) - taken;
    if (order.remaining === 0) this.asks.get(order.nodeId)?.delete(order.id);
    if (left > 0) {
      this.gpus.set(order.nodeId, left);
      return;
    }
    this.gpus.delete(order.nodeId);
    this.asks.delete(order.nodeId);
  }

  /** The GPUs a node's resting asks offer. */
  offered(nodeId: string): number {
    return this.gpus.get(nodeId) ?? 0;
  }

  /** The ids of a node's resting asks, in the order they entered the book. */
  askIds(nodeId: string): string[] {
    return [...(this.asks.get(nodeId) ?? [])];
  }
}
