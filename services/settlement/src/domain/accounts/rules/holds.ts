import { own } from '@gpux/eventsourcing/domain';

/**
 * The holds rule: taking `amount` from a hold leaves the rest of it; a hold taken whole (or beyond)
 * is gone. A hold not there counts as 0.
 */
export function takeFromHold(
  held: Record<string, number> | undefined,
  holdId: string,
  amount: number,
): Record<string, number> {
  const current = own(held, holdId) ?? 0;
  const { [holdId]: _taken, ...others } = held ?? {};
  const left = current - amount;
  return left > 0 ? { ...others, [holdId]: left } : others;
}
