import { describe, expect, it } from 'vitest';
import { CLI_DEFAULTS } from './cli-defaults';
import { adviseStore, jsonBytes, measureSizes } from './object-sizes';

describe('measureSizes', () => {
  it('sums raw and filtered JSON bytes', () => {
    const objects = [
      { metadata: { name: 'a', managedFields: [{ manager: 'kubectl' }] } },
      { metadata: { name: 'bé' } },
    ];
    const sizes = measureSizes(objects, (obj) => ({ metadata: { name: obj.metadata?.name ?? '' } }));
    expect(sizes).toEqual({
      count: 2,
      rawBytes: jsonBytes(objects[0]) + jsonBytes(objects[1]),
      filteredBytes: jsonBytes({ metadata: { name: 'a' } }) + jsonBytes({ metadata: { name: 'bé' } }),
    });
    expect(jsonBytes({ name: 'bé' })).toBe(14);
  });
});

describe('adviseStore', () => {
  it('recommends memory for small objects', () => {
    expect(adviseStore({ count: 100, rawBytes: 300_000, filteredBytes: 200_000 })).toMatchObject({ store: 'memory' });
  });

  it('recommends cached for large objects, saying why', () => {
    const advice = adviseStore({ count: 10, rawBytes: 200_000, filteredBytes: 100_000 });
    expect(advice.store).toBe('cached');
    expect(advice.reason).toContain('objects average 9.8 KB (> 8.0 KB)');
  });

  it('recommends cached when the total is too large', () => {
    const advice = adviseStore({ count: 1_000_000, rawBytes: 0, filteredBytes: CLI_DEFAULTS.largeTotalBytes + 1 });
    expect(advice).toMatchObject({ store: 'cached' });
    expect(advice.reason).toContain('(> 256 MB)');
  });

  it('recommends memory for an empty selection', () => {
    expect(adviseStore({ count: 0, rawBytes: 0, filteredBytes: 0 }).store).toBe('memory');
  });
});
