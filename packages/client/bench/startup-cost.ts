/**
 * Start-up cost of @kw/client: median RSS and time of `import('@kw/client')` + `createClient()`
 * (and of importing @kw/watcher and @kw/store-memory with it) over 5 fresh node processes, using
 * the built dist/ of each package and a token kubeconfig. Run after `pnpm build`:
 *   node packages/client/bench/startup-cost.ts
 * Not a vitest benchmark: each sample needs a fresh process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const RUNS = 5;
const packages = join(import.meta.dirname, '..', '..');
const dist = (name: string): string => pathToFileURL(join(packages, name, 'dist', 'index.js')).href;
const dir = mkdtempSync(join(tmpdir(), 'kw-startup-'));
const kubeconfig = join(dir, 'config');
writeFileSync(
  kubeconfig,
  JSON.stringify({
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: { token: 'abc' } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'c',
  }),
);

function sample(withWatcherAndStore: boolean): { ms: number; rssMb: number } {
  const script = `
const started = performance.now();
const { createClient } = await import(${JSON.stringify(dist('client'))});
${withWatcherAndStore ? `await import(${JSON.stringify(dist('watcher'))}); await import(${JSON.stringify(dist('store-memory'))});` : ''}
createClient({ kubeconfigPath: ${JSON.stringify(kubeconfig)} }).close();
console.log(JSON.stringify({ ms: performance.now() - started, rssMb: process.memoryUsage().rss / 2 ** 20 }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
for (const [label, all] of [
  ['@kw/client + createClient()', false],
  ['@kw/client + @kw/watcher + @kw/store-memory', true],
] as const) {
  const samples = Array.from({ length: RUNS }, () => sample(all));
  const ms = median(samples.map((s) => s.ms));
  const rss = median(samples.map((s) => s.rssMb));
  console.log(`${label}: median ${ms.toFixed(0)} ms, ${rss.toFixed(1)} MB RSS (${RUNS} fresh processes)`);
}
rmSync(dir, { recursive: true, force: true });
