/**
 * The holds rule: taking `amount` from a hold leaves the rest of it; a hold taken whole (or beyond)
 * is gone. A hold not there counts as 0.
 */
export function takeFromHold(
  held: Record<string, number> | undefined,
  holdId: string,
  amount: number,
): Record<string, number> {
  const { [holdId]: current = 0, ...others } = held ?? {};
  const left = current - amount;
  return left > 0 ? { ...others, [holdId]: left } : others;
}
