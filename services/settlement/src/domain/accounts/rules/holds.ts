import { own } from '@gpux/eventsourcing/domain';

/**
 * The holds rule: taking `amount` from a hold leaves the rest of it; a hold taken whole (or beyond)
 * is gone. A hold not there counts as 0. `held` is updated in place and returned (a new record
 * when there was none): an account has a hold per open bid, and a copy per event cost time in
 * proportion to them (see evolveAccount).
 */
export function takeFromHold(
  held: Record<string, number> | undefined,
  holdId: string,
  amount: number,
): Record<string, number> {
  const record = held ?? {};
  const left = (own(record, holdId) ?? 0) - amount;
  if (left > 0) record[holdId] = left;
  else delete record[holdId];
  return record;
}
