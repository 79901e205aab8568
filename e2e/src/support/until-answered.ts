// A client's loop around a command: send it, and again with the same idempotency key (or
// clientOrderId) after each TIMEOUT or UNAVAILABLE, as the errors say to, until it has its outcome.
import type { GraphQLResponse } from './marketplace';

const RETRIED = new Set(['TIMEOUT', 'UNAVAILABLE']);

/**
 * Sends until an answer has data, a refusal other than TIMEOUT or UNAVAILABLE (thrown), or
 * `deadlineMs` has passed (thrown); `pauseMs` between tries. Returns the answer and the tries.
 */
export async function untilAnswered<T>(
  send: () => Promise<GraphQLResponse<T>>,
  {
    deadlineMs,
    pauseMs = 250,
    onRetry,
  }: { deadlineMs: number; pauseMs?: number; onRetry?: (code: string, tries: number) => void },
): Promise<{ answer: GraphQLResponse<T> & { data: T }; tries: number }> {
  const deadline = Date.now() + deadlineMs;
  for (let tries = 1; ; tries++) {
    const answer = await send();
    if (answer.data && !answer.errors?.length)
      return { answer: answer as GraphQLResponse<T> & { data: T }, tries };
    const code = String(answer.errors?.[0]?.extensions?.code);
    if (!RETRIED.has(code) || Date.now() > deadline)
      throw new Error(
        `no outcome (${Date.now() > deadline ? 'deadline passed' : 'refused'}): ${JSON.stringify(answer.errors)}`,
      );
    onRetry?.(code, tries);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}
