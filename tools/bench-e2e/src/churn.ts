/**
 * Churn writer: merge-patches random objects of a namespace at a target rate, each patch setting
 * the {@link CHURN_ANNOTATION} to the write's wall-clock time (epoch ms), over HTTP/2.
 */
import type { BenchKind } from './kinds.ts';
import { type Endpoint, H2 } from './kube.ts';
import { CHURN_ANNOTATION } from './measure.ts';

/** What a churn run achieved. */
export interface ChurnReport {
  targetRate: number;
  seconds: number;
  writes: number;
  errors: number;
  /** Writes per second actually completed. */
  achievedRate: number;
  /** Ticks at which the writer was at its in-flight bound and skipped writes. */
  skipped: number;
}

/** Updates random objects of `ns` (indexes 0..count-1) at `rate` per second for `seconds`. */
export async function churn(
  ep: Endpoint,
  kind: BenchKind,
  ns: string,
  count: number,
  options: { rate: number; seconds: number; maxInFlight?: number },
): Promise<ChurnReport> {
  const maxInFlight = options.maxInFlight ?? 64;
  const h2 = new H2(ep, maxInFlight);
  const path = kind.collectionPath(ns);
  let writes = 0;
  let errors = 0;
  let skipped = 0;
  let inFlight = 0;
  const t0 = performance.now();
  const end = t0 + options.seconds * 1000;
  const pending = new Set<Promise<void>>();
  let issued = 0;
  const one = (): void => {
    const i = Math.floor(Math.random() * count);
    const patch = { metadata: { annotations: { [CHURN_ANNOTATION]: String(Date.now()) } } };
    inFlight++;
    const p = h2
      .request(
        'PATCH',
        `${path}/${kind.objectName(i)}?fieldManager=kw-bench-churn`,
        patch,
        'application/merge-patch+json',
      )
      .then(
        () => {
          writes++;
        },
        () => {
          errors++;
        },
      )
      .finally(() => {
        inFlight--;
        pending.delete(p);
      });
    pending.add(p);
  };
  try {
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - t0) / 1000) * options.rate);
      while (issued < due) {
        if (inFlight >= maxInFlight) {
          skipped += due - issued;
          issued = due;
          break;
        }
        one();
        issued++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(pending);
  } finally {
    h2.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { targetRate: options.rate, seconds, writes, errors, achievedRate: writes / seconds, skipped };
}
