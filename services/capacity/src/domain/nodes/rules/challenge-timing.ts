import type { NodeDeciderOptions } from '../node';

/**
 * The timing rule of a new challenge: how long it keeps an honest node at its claim busy (10 s for
 * a certification, 1 s for a spot check, unless configured), and for a spot check the slack of the
 * node's learning of it at its next heartbeat.
 */
export function challengeTiming(
  purpose: 'certification' | 'spot',
  options: NodeDeciderOptions,
): { targetMs: number; slackMs?: number } {
  return {
    targetMs:
      purpose === 'spot' ? (options.spotTargetMs ?? 1_000) : (options.certificationTargetMs ?? 10_000),
    ...(purpose === 'spot' ? { slackMs: 1_000 + options.spotNoticeMs } : {}),
  };
}
