import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketEvent, MarketState } from '../market';

/** Capacity's record of a node (its provider, GPUs, certification): the latest one counts. */
export function recordNode(
  command: MarketCommandOf<'orders.RecordNode'>,
  state: MarketState,
): Decision<MarketEvent> {
  if (!state.spec) return reject('NOT_FOUND', `market ${command.data.marketId} does not exist`, 'marketId');
  return accept({ type: 'orders.NodeRecorded', data: command.data });
}
