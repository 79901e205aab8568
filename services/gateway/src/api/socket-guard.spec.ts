import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import {
  BAD_MESSAGE_CLOSE_CODE,
  guardMessages,
  MAX_UNREAD_BYTES,
  NOT_READING_CLOSE_CODE,
  refuseMessage,
} from './socket-guard';

describe("what the gateway refuses of a client's WebSocket message before graphql-ws reads it", () => {
  const subscribe = (id: string) => JSON.stringify({ type: 'subscribe', id, payload: { query: '{ ok }' } });

  it('takes what graphql-ws answers itself: protocol messages, and what is not one (its 4400)', () => {
    for (const m of [
      JSON.stringify({ type: 'connection_init' }),
      JSON.stringify({ type: 'ping', payload: { x: 1 } }),
      JSON.stringify({ type: 'complete', id: 'a' }),
      subscribe('a'.repeat(128)),
      'not json',
      '[1,2]',
      'null',
    ])
      expect(refuseMessage(m, 0)).toBeNull();
  });

  it('closes a socket whose client does not read its answers (1008), whatever it sends next', () => {
    expect(refuseMessage(JSON.stringify({ type: 'ping' }), MAX_UNREAD_BYTES + 1)).toEqual({
      code: NOT_READING_CLOSE_CODE,
      reason: 'over 4 MiB of answers unread: read them',
    });
    expect(refuseMessage(JSON.stringify({ type: 'ping' }), MAX_UNREAD_BYTES)).toBeNull();
  });

  it('refuses a message only a server sends, and an id too long, 4400 with a reason that fits a close frame (graphql-ws closed 4500 with a stack)', () => {
    for (const type of ['connection_ack', 'next', 'error']) {
      const refusal = refuseMessage(JSON.stringify({ type, id: 'a', payload: {} }), 0);
      expect(refusal).toEqual({
        code: BAD_MESSAGE_CLOSE_CODE,
        reason: `a client does not send ${type} messages`,
      });
    }
    const long = refuseMessage(subscribe('x'.repeat(60_000)), 0);
    expect(long).toEqual({
      code: BAD_MESSAGE_CLOSE_CODE,
      reason: 'an operation id is at most 128 characters (this one has 60000)',
    });
    expect(Buffer.byteLength(long!.reason)).toBeLessThanOrEqual(123);
  });
});

describe('a send to a client that went away', () => {
  it('ends as if sent, where graphql-ws took its failure for an internal error and printed its stack', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const accepted = new Promise<WebSocket>((resolve) =>
      server.once('connection', (socket: WebSocket) => {
        guardMessages(socket);
        resolve(socket);
      }),
    );
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const opened = new Promise<void>((resolve) => client.once('open', () => resolve()));
      const socket = await accepted;
      await opened;
      // ws calls back with null, or with the error.
      const sent = (data: string) =>
        new Promise<Error | null | undefined>((resolve) => socket.send(data, resolve));
      expect(await sent('while open')).toBeFalsy();
      const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      client.terminate();
      await gone;
      // ws answers a send on a closed socket with an error ("WebSocket is not open: readyState 3").
      expect(await sent('after the client left')).toBeFalsy();
    } finally {
      client.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
