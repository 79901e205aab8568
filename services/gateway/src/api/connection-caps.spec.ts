import { addressCapMessage, effectiveConnectionCap, RESERVED_DESCRIPTORS } from './connection-caps';

const limits = (soft: number | 'unlimited') =>
  [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             95088                95088                processes ',
    `Max open files            ${soft}                20000                files     `,
    'Max locked memory         8388608              8388608              bytes     ',
  ].join('\n');

describe('effectiveConnectionCap', () => {
  it('keeps the configured cap where the open-file limit leaves the reserve beside it', () => {
    expect(effectiveConnectionCap(15_000, limits(20_000))).toBe(15_000);
    expect(effectiveConnectionCap(15_000, limits(15_000 + RESERVED_DESCRIPTORS))).toBe(15_000);
  });

  it('lowers it to leave the reserve for Kafka, Redis and files where the limit is lower', () => {
    expect(effectiveConnectionCap(15_000, limits(1_024))).toBe(24);
    expect(effectiveConnectionCap(15_000, limits(4_096))).toBe(3_096);
  });

  it('keeps one connection at least, and the configured cap where the limit cannot be read', () => {
    expect(effectiveConnectionCap(15_000, limits(256))).toBe(1);
    expect(effectiveConnectionCap(15_000, limits('unlimited'))).toBe(15_000);
    expect(effectiveConnectionCap(15_000, undefined)).toBe(15_000);
    expect(effectiveConnectionCap(15_000, '')).toBe(15_000);
  });
});

describe('addressCapMessage', () => {
  it('says how many connections the address holds and what to do', () => {
    expect(addressCapMessage(1_000)).toBe(
      'too many connections: this address already has 1000 open to the gateway, the most allowed; reuse one (keep-alive) or close one, then retry',
    );
  });
});
