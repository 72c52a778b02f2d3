import { describe, test } from 'vitest';
import { SplitMap } from '../src/internal/split-map';

// The per-operation price of SplitMap against a plain Map at 100k ids (the size where it is split
// into sub-maps): fill, lookup in a shuffled order, delete + re-add. For the worst single write at
// 1M objects, see packages/watcher/bench/worst-block.ts.
const N = 100_000;
const RUN = { time: 500, warmupTime: 200 };
const ids = Array.from({ length: N }, (_, i) => `bench-ns/cm-${String(i).padStart(7, '0')}`);
const shuffled = ids.map((_, i) => ids[(i * 7919) % N]!);

describe(`${N.toLocaleString('en-US')} ids`, () => {
  test('fill', async ({ bench }) => {
    await bench.compare(
      bench('Map', () => {
        const map = new Map<string, number>();
        for (let i = 0; i < N; i++) map.set(ids[i]!, i);
      }),
      bench('SplitMap', () => {
        const map = new SplitMap<number>();
        for (let i = 0; i < N; i++) map.set(ids[i]!, i);
      }),
      RUN,
    );
  });

  test('get every id in a shuffled order', async ({ bench }) => {
    const map = new Map<string, number>();
    const split = new SplitMap<number>();
    for (let i = 0; i < N; i++) {
      map.set(ids[i]!, i);
      split.set(ids[i]!, i);
    }
    let sink = 0;
    await bench.compare(
      bench('Map', () => {
        for (let i = 0; i < N; i++) sink += map.get(shuffled[i]!)!;
      }),
      bench('SplitMap', () => {
        for (let i = 0; i < N; i++) sink += split.get(shuffled[i]!)!;
      }),
      RUN,
    );
    if (sink < 0) throw new Error('unreachable');
  });
});
