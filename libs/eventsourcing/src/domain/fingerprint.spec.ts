import { canonicalJson, fingerprint } from './fingerprint';

describe('fingerprint of a request', () => {
  it('writes canonical JSON: keys sorted at every depth, undefined members dropped', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: true, y: null }], c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[2,{"y":null,"z":true}]},"b":1}',
    );
    expect(canonicalJson([undefined, 'a'])).toBe('[null,"a"]');
  });

  it('is the same for the same request whatever the order of its keys', () => {
    const a = fingerprint({
      type: 'settlement.Deposit',
      subject: 'acc-a',
      data: { accountId: 'acc-a', amount: 10_000_000 },
    });
    const b = fingerprint({
      subject: 'acc-a',
      data: { amount: 10_000_000, accountId: 'acc-a' },
      type: 'settlement.Deposit',
    });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when the type, the subject or the data differ', () => {
    const base = {
      type: 'settlement.Deposit',
      subject: 'acc-a',
      data: { accountId: 'acc-a', amount: 10_000_000 },
    };
    const others = [
      { ...base, type: 'settlement.Withdraw' },
      { ...base, subject: 'acc-b' },
      { ...base, data: { accountId: 'acc-b', amount: 10_000_000 } },
      { ...base, data: { accountId: 'acc-a', amount: 20_000_000 } },
      { ...base, data: { accountId: 'acc-a', amount: '10000000' } },
    ];
    for (const other of others) expect(fingerprint(other)).not.toBe(fingerprint(base));
  });
});
