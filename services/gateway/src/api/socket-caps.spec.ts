import { SocketsPerCaller, socketsFullResponse, tooManySocketsReason } from './socket-caps';

describe('SocketsPerCaller', () => {
  it('counts each caller up to the cap, and a release gives one place back', () => {
    const caps = new SocketsPerCaller(2);
    expect([caps.take('key:a'), caps.take('key:a'), caps.take('key:a')]).toEqual([true, true, false]);
    expect(caps.take('ip:127.0.0.1')).toBe(true);
    caps.release('key:a');
    expect(caps.take('key:a')).toBe(true);
    expect(caps.take('key:a')).toBe(false);
  });

  it('forgets a caller whose sockets have all closed, and a release of nothing counts nothing', () => {
    const caps = new SocketsPerCaller(1);
    expect(caps.take('key:a')).toBe(true);
    caps.release('key:a');
    caps.release('key:a');
    expect(caps.take('key:a')).toBe(true);
    expect(caps.take('key:a')).toBe(false);
  });
});

describe('what a caller over a cap is told', () => {
  it('fits a WebSocket close reason (at most 123 bytes) at any cap', () => {
    expect(Buffer.byteLength(tooManySocketsReason(1_000_000))).toBeLessThanOrEqual(123);
  });

  it('answers an upgrade 503 with Retry-After and a body of the length it says', () => {
    const response = socketsFullResponse(10_000);
    const [head, body] = response.split('\r\n\r\n');
    expect(head!.split('\r\n')).toEqual([
      'HTTP/1.1 503 Service Unavailable',
      'Connection: close',
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body!)}`,
      'Retry-After: 5',
    ]);
    expect(body).toBe('the gateway holds 10000 WebSockets, the most it may: retry in 5 s\n');
  });
});
