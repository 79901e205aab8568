import { encodeBatch, ApplyRequest, luaJSON } from './apply-script';
import { ProjectionDefinitionError, validateProjection } from './keys';

const base: ApplyRequest = {
  projectionName: 'ledger',
  keyPrefix: 'ledger:',
  topic: 'ns.settlement.events',
  partition: 2,
  epoch: 'e1',
  expectedCheckpoint: 9,
  lastOffset: 12,
  events: [],
};

describe('encodeBatch (the Lua script arguments)', () => {
  it('declares every key once, after the checkpoint and epoch keys, and sends the writes as one JSON array', () => {
    const { keys, args } = encodeBatch({
      ...base,
      events: [
        {
          offset: 10,
          ops: [
            { op: 'hincrby', key: 'ledger:a', field: 'balance', by: 5 },
            { op: 'rpush', key: 'ledger:l', value: '+5' },
          ],
        },
        {
          offset: 11,
          ops: [
            { op: 'zadd', key: 'ledger:z', score: 1.5, member: 'm' },
            { op: 'del', key: 'ledger:l' },
          ],
        },
      ],
    });
    expect(keys).toEqual([
      'proj:6.ledger:checkpoint',
      'proj:6.ledger:epoch',
      'ledger:a',
      'ledger:l',
      'ledger:z',
      'proj:6.ledger:rebuilding',
    ]);
    expect(args.slice(0, 6)).toEqual([
      'ns.settlement.events:2',
      'e1',
      '9',
      '12',
      'proj:6.ledger:applied',
      '2',
    ]);
    expect(JSON.parse(args[6]!)).toEqual([
      ['hi', 3, 'balance', '5'],
      ['r', 4, '+5'],
      ['z', 5, '1.5', 'm'],
      ['d', 4],
    ]);
  });

  it('merges writes per key as Redis would apply them one by one: a list or string never across another kind of write, a hash field across other kinds on other fields', () => {
    const { args } = encodeBatch({
      ...base,
      lastOffset: 14,
      events: [
        {
          offset: 10,
          ops: [
            { op: 'hincrby', key: 'ledger:a', field: 'balance', by: 5 },
            { op: 'incrby', key: 'ledger:n', by: 1 },
            { op: 'rpush', key: 'ledger:l', value: 'x' },
          ],
        },
        {
          offset: 11,
          ops: [
            { op: 'hincrby', key: 'ledger:a', field: 'held', by: 7 },
            { op: 'incrby', key: 'ledger:n', by: 1 },
            { op: 'rpush', key: 'ledger:l', value: 'y' },
          ],
        },
        {
          offset: 12,
          ops: [
            { op: 'hincrby', key: 'ledger:a', field: 'balance', by: -2 },
            { op: 'set', key: 'ledger:s', value: '1' },
            { op: 'set', key: 'ledger:s', value: '2' },
          ],
        },
        {
          offset: 13,
          ops: [
            { op: 'hset', key: 'ledger:a', field: 'owner', value: 'ann' },
            { op: 'hset', key: 'ledger:a', field: 'owner', value: 'bob' },
          ],
        },
        {
          offset: 14,
          ops: [
            { op: 'hincrby', key: 'ledger:a', field: 'balance', by: 1 },
            { op: 'del', key: 'ledger:l' },
            { op: 'rpush', key: 'ledger:l', value: 'z' },
          ],
        },
      ],
    });
    expect(JSON.parse(args[6]!)).toEqual([
      // The set of owner (another field) does not end the run of increments.
      ['hi', 3, 'balance', '4', 'held', '7'],
      ['i', 4, '2'],
      ['r', 5, 'x', 'y'],
      ['s', 6, '2'],
      ['hs', 3, 'owner', 'bob'],
      ['d', 5],
      ['r', 5, 'z'],
    ]);
  });

  it('merges set-if-absent, maximum and minimum runs per field (earliest, greatest, least wins), across kinds only while no field is written by two', () => {
    const { keys, args } = encodeBatch({
      ...base,
      lastOffset: 13,
      events: [
        {
          offset: 10,
          ops: [
            { op: 'hsetnx', key: 'ledger:c', field: 'open', value: '7' },
            { op: 'hsetnx', key: 'ledger:c', field: 'open', value: '9' },
            { op: 'hsetnx', key: 'ledger:c', field: 'x', value: 'a' },
          ],
        },
        {
          offset: 11,
          ops: [
            { op: 'hmax', key: 'ledger:c', field: 'high', value: 7 },
            { op: 'hmax', key: 'ledger:c', field: 'high', value: 9 },
            { op: 'hmax', key: 'ledger:c', field: 'high', value: 8 },
          ],
        },
        {
          offset: 12,
          ops: [
            { op: 'hmin', key: 'ledger:c', field: 'low', value: 7 },
            { op: 'hmin', key: 'ledger:c', field: 'low', value: 5 },
            { op: 'hmin', key: 'ledger:c', field: 'low', value: 6.5 },
          ],
        },
        {
          offset: 12,
          ops: [
            { op: 'hmax', key: 'ledger:c', field: 'high', value: 3 },
            { op: 'hset', key: 'ledger:c', field: 'close', value: '3' },
            { op: 'hmax', key: 'ledger:c', field: 'high', value: 10 },
            { op: 'hincrby', key: 'ledger:c', field: 'volume', by: 2 },
          ],
        },
        {
          offset: 13,
          ops: [
            // close, written by a set, now by a maximum: every run on the hash ends here.
            { op: 'hmax', key: 'ledger:c', field: 'close', value: 4 },
            { op: 'hsetnx', key: 'ledger:c', field: 'open', value: '1' },
            { op: 'hincrby', key: 'ledger:c', field: 'volume', by: 5 },
            { op: 'hset', key: 'ledger:c', field: 'close', value: '6' },
            { op: 'hincrby', key: 'ledger:c', field: 'volume', by: 1 },
          ],
        },
      ],
    });
    expect(keys).toEqual([
      'proj:6.ledger:checkpoint',
      'proj:6.ledger:epoch',
      'ledger:c',
      'proj:6.ledger:rebuilding',
    ]);
    expect(JSON.parse(args[6]!)).toEqual([
      ['hnx', 3, 'open', '7', 'x', 'a'],
      ['hx', 3, 'high', '10'],
      ['hn', 3, 'low', '5'],
      ['hs', 3, 'close', '3'],
      ['hi', 3, 'volume', '2'],
      ['hx', 3, 'close', '4'],
      ['hnx', 3, 'open', '1'],
      ['hi', 3, 'volume', '5'],
      // close again by another kind than the maximum's: after it, and the runs before it end.
      ['hs', 3, 'close', '6'],
      ['hi', 3, 'volume', '1'],
    ]);
  });

  it('sends a removal that reads a hash with both keys declared, and merges no write of that hash across it', () => {
    const removal = {
      op: 'zremWhenReached',
      key: 'ledger:live',
      member: 'o1',
      hash: 'ledger:o1',
      sum: ['filled', 'cancelled'],
      reaches: 'gpus',
    } as const;
    const { keys, args } = encodeBatch({
      ...base,
      events: [
        { offset: 10, ops: [{ op: 'hincrby', key: 'ledger:o1', field: 'filled', by: 2 }, removal] },
        { offset: 11, ops: [{ op: 'hincrby', key: 'ledger:o1', field: 'filled', by: 3 }, removal] },
        { offset: 12, ops: [{ op: 'hincrby', key: 'ledger:o1', field: 'filled', by: 1 }] },
      ],
    });
    expect(keys).toEqual([
      'proj:6.ledger:checkpoint',
      'proj:6.ledger:epoch',
      'ledger:o1',
      'ledger:live',
      'proj:6.ledger:rebuilding',
    ]);
    expect(JSON.parse(args[6]!)).toEqual([
      ['hi', 3, 'filled', '2'],
      ['zw', 4, 'o1', 3, 'gpus', 'filled', 'cancelled'],
      ['hi', 3, 'filled', '3'],
      ['zw', 4, 'o1', 3, 'gpus', 'filled', 'cancelled'],
      ['hi', 3, 'filled', '1'],
    ]);
    expect(() =>
      encodeBatch({ ...base, events: [{ offset: 10, ops: [{ ...removal, hash: 'other:o1' }] }] }),
    ).toThrow(/read key other:o1, outside its keyPrefix ledger:/);
    // Its adding twin sends the score before the fields it adds up.
    const adding = encodeBatch({
      ...base,
      events: [{ offset: 10, ops: [{ ...removal, op: 'zaddWhenReached', key: 'ledger:done', score: 1.5 }] }],
    });
    expect(JSON.parse(adding.args[6]!)).toEqual([['zaw', 3, 'o1', 4, 'gpus', '1.5', 'filled', 'cancelled']]);
    expect(() =>
      encodeBatch({
        ...base,
        events: [{ offset: 10, ops: [{ ...removal, op: 'zaddWhenReached', score: Number.NaN }] }],
      }),
    ).toThrow(/score must be finite/);
  });

  it('sends publications last, not as keys, an identical channel and message once, with the latest offset', () => {
    const { keys, args } = encodeBatch({
      ...base,
      events: [
        {
          offset: 10,
          ops: [
            { op: 'publish', key: 'ledger:ch:a', message: 'changed' },
            { op: 'hincrby', key: 'ledger:a', field: 'balance', by: 5 },
          ],
        },
        {
          offset: 11,
          ops: [
            { op: 'publish', key: 'ledger:ch:a', message: 'changed' },
            { op: 'publish', key: 'ledger:ch:t', message: '{"n":1}' },
            { op: 'publish', key: 'ledger:ch:t', message: '{"n":2}' },
          ],
        },
      ],
    });
    expect(keys).toEqual([
      'proj:6.ledger:checkpoint',
      'proj:6.ledger:epoch',
      'ledger:a',
      'proj:6.ledger:rebuilding',
    ]);
    // The offset decides whether a reset's refold replays it (APPLY_LUA): the latest event's counts.
    expect(JSON.parse(args[6]!)).toEqual([
      ['hi', 3, 'balance', '5'],
      ['p', 'ledger:ch:a', 'changed', '11'],
      ['p', 'ledger:ch:t', '{"n":1}', '11'],
      ['p', 'ledger:ch:t', '{"n":2}', '11'],
    ]);
  });

  it('refuses a channel outside the projection prefix, and maxima that are not finite or not exact', () => {
    expect(() =>
      encodeBatch({
        ...base,
        events: [{ offset: 10, ops: [{ op: 'publish', key: 'orders:ch', message: 'x' }] }],
      }),
    ).toThrow(/published on channel orders:ch, outside its keyPrefix ledger:/);
    expect(() =>
      encodeBatch({
        ...base,
        events: [{ offset: 10, ops: [{ op: 'hmax', key: 'ledger:c', field: 'h', value: NaN }] }],
      }),
    ).toThrow(ProjectionDefinitionError);
    expect(() =>
      encodeBatch({
        ...base,
        events: [{ offset: 10, ops: [{ op: 'hmin', key: 'ledger:c', field: 'l', value: 2 ** 60 }] }],
      }),
    ).toThrow(/finite number/);
  });

  it('sends half a surrogate pair as U+FFFD, which the script can decode; a whole pair and escaped text as they are', () => {
    const { args } = encodeBatch({
      ...base,
      events: [
        {
          offset: 10,
          ops: [
            { op: 'hset', key: 'ledger:n', field: 'region', value: 'eu\udc00' },
            { op: 'hset', key: 'ledger:n', field: 'model', value: 'X\ud800' },
            { op: 'rpush', key: 'ledger:l', value: 'pair \ud83d\ude00, text \\ud800' },
            { op: 'publish', key: 'ledger:ch:n', message: '{"n":"\ud800"}' },
          ],
        },
      ],
    });
    // cjson refuses a \udXXX escape that is not one of a pair: none is left.
    // (The text "\\ud800" is sent as "\\\\ud800", an escaped backslash: not one.)
    expect(args[6]!.replace(/\\\\/g, '')).not.toMatch(/\\ud[89a-f]/i);
    expect(JSON.parse(args[6]!)).toEqual([
      ['hs', 3, 'region', 'eu\ufffd', 'model', 'X\ufffd'],
      ['r', 4, 'pair \ud83d\ude00, text \\ud800'],
      ['p', 'ledger:ch:n', '{"n":"\ufffd"}', '10'],
    ]);
    // Nothing to replace: the JSON as JSON.stringify writes it.
    expect(luaJSON(['a', 'pair \ud83d\ude00', 'text \\ud800'])).toBe(
      JSON.stringify(['a', 'pair \ud83d\ude00', 'text \\ud800']),
    );
  });

  it('sends a batch with no writes: it still moves the checkpoint', () => {
    expect(encodeBatch(base).args).toEqual([
      'ns.settlement.events:2',
      'e1',
      '9',
      '12',
      'proj:6.ledger:applied',
      '0',
      '[]',
      '',
      '1',
    ]);
  });

  it("sends each event's requirements apart from the writes, in log order, with their keys declared", () => {
    const { keys, args } = encodeBatch({
      ...base,
      events: [
        {
          offset: 10,
          ops: [
            { op: 'requires', key: 'ledger:lease', field: 'charged', atLeast: 500 },
            { op: 'hincrby', key: 'ledger:a', field: 'balance', by: 5 },
          ],
        },
        { offset: 11, ops: [{ op: 'hincrby', key: 'ledger:a', field: 'balance', by: 1 }] },
        {
          offset: 12,
          ops: [
            { op: 'requires', key: 'ledger:a', field: 'balance', atLeast: 2 ** 40 },
            { op: 'requires', key: 'ledger:lease', field: 'fee', atLeast: 7 },
          ],
        },
      ],
    });
    expect(keys).toEqual([
      'proj:6.ledger:checkpoint',
      'proj:6.ledger:epoch',
      'ledger:lease',
      'ledger:a',
      'proj:6.ledger:rebuilding',
    ]);
    // A requirement writes nothing; the events that only wait still count as events.
    expect(args[5]).toBe('3');
    expect(JSON.parse(args[6]!)).toEqual([['hi', 4, 'balance', '6']]);
    expect(JSON.parse(args[7]!)).toEqual([
      [10, 3, 'charged', '500'],
      [12, 4, 'balance', String(2 ** 40)],
      [12, 3, 'fee', '7'],
    ]);
    // Into the model readers read: a refold's history does not wait for its causes (APPLY_LUA).
    expect(args[8]).toBe('1');
  });

  it("reads a new generation's requirements in that generation, and refuses one outside the prefix", () => {
    const { keys, args } = encodeBatch({
      ...base,
      generation: 'g1',
      events: [{ offset: 10, ops: [{ op: 'requires', key: 'ledger:lease', field: 'charged', atLeast: 1 }] }],
    });
    expect(keys[2]).toMatch(/g1.*ledger:lease$/);
    // A new generation's causes are always waited for: no rebuilding marker speaks for it.
    expect(args[8]).toBe('');
    expect(() =>
      encodeBatch({
        ...base,
        events: [{ offset: 10, ops: [{ op: 'requires', key: 'orders:x', field: 'f', atLeast: 1 }] }],
      }),
    ).toThrow(/requires key orders:x, outside its keyPrefix ledger:/);
    expect(() =>
      encodeBatch({
        ...base,
        events: [{ offset: 10, ops: [{ op: 'requires', key: 'ledger:x', field: 'f', atLeast: NaN }] }],
      }),
    ).toThrow(ProjectionDefinitionError);
  });

  it('refuses a key outside the projection prefix: a programming error, nothing is sent', () => {
    expect(() =>
      encodeBatch({ ...base, events: [{ offset: 10, ops: [{ op: 'set', key: 'orders:x', value: '1' }] }] }),
    ).toThrow(ProjectionDefinitionError);
    expect(() =>
      encodeBatch({ ...base, events: [{ offset: 10, ops: [{ op: 'set', key: 'orders:x', value: '1' }] }] }),
    ).toThrow(/orders:x, outside its keyPrefix ledger:/);
  });

  it('refuses amounts a Redis integer would not hold exactly', () => {
    expect(() =>
      encodeBatch({
        ...base,
        events: [{ offset: 10, ops: [{ op: 'hincrby', key: 'ledger:a', field: 'b', by: 0.5 }] }],
      }),
    ).toThrow(/safe integer/);
    expect(() =>
      encodeBatch({
        ...base,
        events: [{ offset: 10, ops: [{ op: 'incrby', key: 'ledger:a', by: 2 ** 60 }] }],
      }),
    ).toThrow(/safe integer/);
  });

  it('refuses a batch whose checkpoint would fall before its last event', () => {
    expect(() => encodeBatch({ ...base, lastOffset: 10, events: [{ offset: 11, ops: [] }] })).toThrow(
      /ends at 10, before its last event/,
    );
  });

  it('does not merge increments past what a JS number holds exactly', () => {
    const big = Number.MAX_SAFE_INTEGER - 1;
    const { args } = encodeBatch({
      ...base,
      events: [
        {
          offset: 10,
          ops: [
            { op: 'incrby', key: 'ledger:n', by: big },
            { op: 'incrby', key: 'ledger:n', by: big },
          ],
        },
      ],
    });
    expect(JSON.parse(args[6]!)).toEqual([
      ['i', 3, String(big)],
      ['i', 3, String(big)],
    ]);
  });
});

describe('validateProjection', () => {
  const projection = { name: 'ledger', topics: ['t'], keyPrefix: 'ledger:', apply: () => [] };
  it('accepts a prefix of its own', () => expect(() => validateProjection(projection)).not.toThrow());
  it.each([
    ['an empty prefix', { keyPrefix: '' }],
    ['a prefix covering the runner keys', { keyPrefix: 'proj:' }],
    ['no topic', { topics: [] }],
    ['a name with a colon', { name: 'a:b' }],
  ])('refuses %s', (_, change) =>
    expect(() => validateProjection({ ...projection, ...change })).toThrow(ProjectionDefinitionError),
  );
});
