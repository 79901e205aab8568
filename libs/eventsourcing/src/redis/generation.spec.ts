import { encodeBatch, ApplyRequest } from './apply-script';
import {
  generationKeys,
  generationsPrefix,
  ProjectionDefinitionError,
  projectionKeys,
  validateProjection,
} from './keys';

const base: ApplyRequest = {
  projectionName: 'ledger',
  keyPrefix: 'ledger:',
  topic: 'ns.settlement.events',
  partition: 2,
  epoch: 'g7',
  generation: 'g7',
  expectedCheckpoint: 9,
  lastOffset: 12,
  events: [],
};

describe('a batch folded into a new generation (encodeBatch)', () => {
  it("writes under the generation's prefix, checks the building key in place of the epoch, and publishes nothing", () => {
    const { keys, args } = encodeBatch({
      ...base,
      events: [
        {
          offset: 10,
          ops: [
            { op: 'hincrby', key: 'ledger:a', field: 'balance', by: 5 },
            { op: 'publish', key: 'ledger:ch:a', message: 'changed' },
          ],
        },
      ],
    });
    const next = generationKeys('ledger', 'g7');
    expect(next.modelPrefix).toBe('proj:6.ledger:next:2.g7:model:');
    // The rebuilding marker is declared last as in every call, though nothing here publishes.
    expect(keys).toEqual([
      next.checkpoint,
      projectionKeys('ledger').building,
      `${next.modelPrefix}ledger:a`,
      projectionKeys('ledger').rebuilding,
    ]);
    expect(keys[0]).toBe('proj:6.ledger:next:2.g7:checkpoint');
    // No announcement on the applied channel, and the projection's own publication is dropped.
    expect(args.slice(0, 6)).toEqual(['ns.settlement.events:2', 'g7', '9', '12', '', '1']);
    expect(JSON.parse(args[6]!)).toEqual([['hi', 3, 'balance', '5']]);
  });

  it('still refuses a key outside the projection prefix', () => {
    expect(() =>
      encodeBatch({ ...base, events: [{ offset: 10, ops: [{ op: 'set', key: 'orders:x', value: '1' }] }] }),
    ).toThrow(/orders:x, outside its keyPrefix ledger:/);
  });
});

describe('generation keys', () => {
  it('keep every generation under the projection’s generations prefix, apart from the model and from each other', () => {
    const [a, b] = [generationKeys('ledger', 'g1'), generationKeys('ledger', 'g1:model:x')];
    for (const k of [a.checkpoint, a.modelPrefix, b.checkpoint, b.modelPrefix])
      expect(k.startsWith(generationsPrefix('ledger'))).toBe(true);
    expect(`${a.modelPrefix}x:ledger:a`).not.toBe(`${b.modelPrefix}ledger:a`);
    expect(b.modelPrefix.startsWith(a.modelPrefix)).toBe(false);
    expect(generationsPrefix('ledger').startsWith('ledger:')).toBe(false);
  });

  it('refuse a model prefix that would lie under the generations of its projection', () => {
    const projection = { name: 'ledger', topics: ['t'], keyPrefix: 'ledger:', apply: () => [] };
    expect(() =>
      validateProjection({ ...projection, keyPrefix: `${generationsPrefix('ledger')}x:` }),
    ).toThrow(ProjectionDefinitionError);
    expect(() => validateProjection({ ...projection, keyPrefix: 'proj:6.ledger:n' })).toThrow(
      ProjectionDefinitionError,
    );
  });
});
