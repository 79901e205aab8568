import { requestForLog } from './request-log';

describe('requestForLog', () => {
  const request = {
    id: 7,
    method: 'POST',
    url: '/graphql',
    remoteAddress: '127.0.0.1',
    remotePort: 50_000,
    headers: {
      host: '127.0.0.1:4000',
      'user-agent': 'curl/8',
      'content-type': 'application/json',
      authorization: 'Bearer gpx_secret',
      'proxy-authorization': 'Basic c2VjcmV0',
      cookie: 'session=secret',
      'x-api-key': 'secret',
    },
  };

  it('keeps what says which request it was, and only the headers of the allowlist', () => {
    expect(requestForLog(request)).toEqual({
      id: 7,
      method: 'POST',
      url: '/graphql',
      remoteAddress: '127.0.0.1',
      remotePort: 50_000,
      headers: { host: '127.0.0.1:4000', 'user-agent': 'curl/8', 'content-type': 'application/json' },
    });
  });

  it('never carries a credential, in whatever header it came', () => {
    expect(JSON.stringify(requestForLog(request))).not.toMatch(/secret|c2VjcmV0/);
  });
});
