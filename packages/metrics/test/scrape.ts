import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { Registry } from 'prom-client';

/** One sample of a scraped family: its labels and value (histograms: count, sum and cumulative buckets by `le`). */
export interface Sample {
  labels: Record<string, string>;
  value: number;
  count: number;
  sum: number;
  buckets: Record<string, number>;
}

/** The registry's exposition, parsed by a Prometheus text-format parser: family name → type and samples. */
export type Scrape = Map<string, { type: string; help: string; samples: Sample[] }>;

/** Scrapes `registry` (`registry.metrics()`, as a Prometheus server would) and parses the text. */
export async function scrape(registry: Registry): Promise<Scrape> {
  return parse(await registry.metrics());
}

const HISTOGRAM = ' histogram';

/**
 * Parses Prometheus exposition text with `parse-prometheus-text-format`. That parser folds every
 * series of a histogram into one sample and drops their labels, so histograms are declared
 * `untyped` before parsing (their `_bucket`, `_sum` and `_count` lines then parse as plain
 * labelled samples) and regrouped here by their labels without `le`; counters and gauges are
 * parsed as they are.
 */
export function parse(text: string): Scrape {
  const histograms = new Set<string>();
  const lines = text.split('\n').map((line) => {
    if (!line.startsWith('# TYPE ') || !line.endsWith(HISTOGRAM)) return line;
    histograms.add(line.slice('# TYPE '.length, -HISTOGRAM.length));
    return `${line.slice(0, -HISTOGRAM.length)} untyped`;
  });
  // Untyped samples start a new family whenever the sample name changes (`_bucket`, `_sum`,
  // `_count`, `_bucket` ...): merge families of the same name.
  const parsed = new Map<string, ReturnType<typeof parsePrometheusTextFormat>[number]>();
  for (const f of parsePrometheusTextFormat(lines.join('\n'))) {
    const seen = parsed.get(f.name);
    if (seen) seen.metrics.push(...f.metrics);
    else parsed.set(f.name, { ...f, metrics: [...f.metrics] });
  }
  const out: Scrape = new Map();
  for (const family of parsed.values()) {
    if (histograms.has(family.name)) continue;
    out.set(family.name, {
      type: family.type,
      help: family.help,
      samples: family.metrics.map((m) => ({
        labels: m.labels ?? {},
        value: Number(m.value),
        count: Number.NaN,
        sum: Number.NaN,
        buckets: {},
      })),
    });
  }
  for (const name of histograms) {
    const bySeries = new Map<string, Sample>();
    const seriesOf = (labels: Record<string, string> = {}) => {
      const { le: _le, ...rest } = labels;
      const key = JSON.stringify(Object.entries(rest).sort());
      let s = bySeries.get(key);
      if (!s) {
        s = { labels: rest, value: Number.NaN, count: 0, sum: 0, buckets: {} };
        bySeries.set(key, s);
      }
      return s;
    };
    for (const m of parsed.get(`${name}_bucket`)?.metrics ?? []) {
      const le = m.labels?.le;
      if (le !== undefined) seriesOf(m.labels).buckets[le] = Number(m.value);
    }
    for (const m of parsed.get(`${name}_sum`)?.metrics ?? []) seriesOf(m.labels).sum = Number(m.value);
    for (const m of parsed.get(`${name}_count`)?.metrics ?? []) seriesOf(m.labels).count = Number(m.value);
    out.set(name, {
      type: 'HISTOGRAM',
      help: parsed.get(`${name}_bucket`)?.help ?? '',
      samples: [...bySeries.values()],
    });
  }
  return out;
}

/** The sample of `name` whose labels include `labels`; throws when there is none (so a test fails with the name). */
export function sample(s: Scrape, name: string, labels: Record<string, string> = {}): Sample {
  const found = s.get(name)?.samples.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  if (!found) throw new Error(`no sample ${name}${JSON.stringify(labels)} in the scrape`);
  return found;
}
