import type { ApiResource, ApiResourceList } from './discovery';
import { topLevel } from './discovery';

/**
 * The labels of `candidates` most likely meant by `name`, best first, at most `limit`: exact
 * matches on singular name, kind or short name first, then plural names within an edit distance of
 * a third of their length (at least 1).
 */
export function closeMatches(
  candidates: readonly { label: string; resource: ApiResource }[],
  name: string,
  limit = 3,
): string[] {
  const wanted = name.toLowerCase();
  const scored: { label: string; score: number }[] = [];
  for (const { label, resource: r } of candidates) {
    if (r.singularName === wanted || r.kind.toLowerCase() === wanted || r.shortNames?.includes(wanted)) {
      scored.push({ label, score: -1 });
      continue;
    }
    const d = editDistance(wanted, r.name);
    if (d <= Math.max(1, Math.floor(r.name.length / 3))) scored.push({ label, score: d });
  }
  scored.sort((a, b) => a.score - b.score || a.label.localeCompare(b.label));
  return [...new Set(scored.map((s) => s.label))].slice(0, limit);
}

/** The served resource most likely meant by `name` in `list` (see {@link closeMatches}). */
export function suggestResource(list: ApiResourceList, name: string): string | undefined {
  return closeMatches(
    topLevel(list).map((r) => ({ label: r.name, resource: r })),
    name,
    1,
  )[0];
}

/** The names within edit distance 2 of `name`, closest first, at most 3. */
export function closeNames(names: readonly string[], name: string): string[] {
  return names
    .map((n) => ({ n, d: editDistance(name, n) }))
    .filter(({ d }) => d <= 2)
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 3)
    .map(({ n }) => n);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
