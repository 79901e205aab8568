import type { ApolloServerPlugin } from '@apollo/server';
import { apiError } from './errors';

/**
 * A subscription sent over HTTP is refused with BAD_REQUEST (HTTP 400) and where to send it:
 * subscriptions are served over WebSocket only (api/subscriptions.ts). Apollo would otherwise
 * execute it as a query, and its resolver, made for a stream, would answer null.
 */
export const httpSubscriptionsPlugin = (path: string): ApolloServerPlugin => ({
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation !== 'subscription') return;
        throw apiError(
          'BAD_REQUEST',
          `subscriptions are served over WebSocket, not HTTP: open ws://<gateway>${path} with the graphql-transport-ws protocol (e.g. the graphql-ws client) and subscribe there`,
          undefined,
          // Over HTTP the answer is 400, like any request the client must change (Apollo drops `http`).
          { http: { status: 400 } },
        );
      },
    };
  },
});
