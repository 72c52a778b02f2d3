/**
 * Consumer scenarios: real uses of the packed packages in fresh projects installed from the
 * local registry, on each Node version. Every scenario has the same shape ({@link Scenario}):
 * the packages it installs, and a runner that fills its summary rows.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createNamespace, deleteNamespace } from './cluster.ts';
import { type Consumer, declaredRange, loadError, makeConsumer, missingFor, versionOf } from './consumers.ts';
import { major, NODE_VERSIONS } from './node-runtimes.ts';
import { cleanEnv, run, tail } from './proc.ts';
import type { ScenarioRow } from './report.ts';
import type { Context } from './steps.ts';

/** One consumer scenario: what its consumer installs, and how it runs. */
export interface Scenario {
  /** Consumer folder name, e.g. `watch-memory`. */
  id: string;
  /** The kw packages the consumer installs, at their packed versions. */
  packages: string[];
  /** Third-party dependencies the consumer installs too (name → range). */
  extraDeps(ctx: Context): Record<string, string>;
  /** Files copied from `consumers/` into the consumer. */
  files: string[];
  /** Runs the scenario against the installed consumer (undefined when a package is missing) and fills its rows. */
  run(ctx: Context, consumer: Promise<Consumer> | undefined): Promise<void>;
}

/** Starts installing a scenario's consumer; undefined when one of its packages is not available. */
export function installScenario(ctx: Context, s: Scenario): Promise<Consumer> | undefined {
  if (missingFor(ctx, s.packages) !== undefined) return undefined;
  const deps: Record<string, string> = Object.fromEntries(s.packages.map((n) => [n, versionOf(ctx, n)]));
  return makeConsumer(ctx, s.id, { ...deps, ...s.extraDeps(ctx) }, 'module', s.files);
}

const ALL_NODES = NODE_VERSIONS.map(major);

/** Marks the columns of a row skipped (every Node by default), and lists it loudly. */
function skipRow(ctx: Context, r: ScenarioRow, reason: string, columns: readonly string[] = ALL_NODES): void {
  ctx.report.skipRow(r, reason, columns);
}

/** Runs `work` in a fresh namespace holding three labelled ConfigMaps, and deletes it afterwards. */
async function withNamespace<R>(ctx: Context, prefix: string, work: (ns: string) => Promise<R>): Promise<R> {
  const plane = ctx.plane;
  if (plane === undefined) throw new Error('no control plane');
  const ns = `rc-${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`.slice(0, 63);
  await createNamespace(plane, ns, [
    { name: 'web-1', labels: { app: 'web' } },
    { name: 'web-2', labels: { app: 'web' } },
    { name: 'api-1', labels: { app: 'api' } },
  ]);
  try {
    return await work(ns);
  } finally {
    await deleteNamespace(plane, ns).catch((error: Error) =>
      ctx.report.note(`deleting namespace ${ns}: ${error.message}`),
    );
  }
}

/** Env of a scenario process: the Node under test first on PATH, and the cluster's coordinates. */
function scenarioEnv(
  ctx: Context,
  node: string,
  ns: string | undefined,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const plane = ctx.plane;
  return cleanEnv({
    // `#!/usr/bin/env node` bins (kw) run on the Node under test.
    PATH: `${dirname(node)}:${cleanEnv().PATH ?? ''}`,
    ...(ns !== undefined ? { KW_RC_NAMESPACE: ns } : {}),
    ...(plane !== undefined
      ? {
          KW_RC_KUBECONFIG: plane.adminKubeconfigPath,
          KW_RC_SERVER: plane.server,
          KW_RC_TOKEN: plane.adminToken,
          KW_RC_CA: plane.caPath,
        }
      : {}),
    ...extra,
  });
}

/** A scenario that runs consumer scripts (ESM and CJS) on each Node. */
interface ScriptScenario {
  id: string;
  title: string;
  packages: string[];
  /** Third-party deps the consumer code imports itself: name → the @kw package whose range to use. */
  thirdParty?: Record<string, string>;
  files: string[];
  scripts: { format: 'ESM' | 'CJS'; file: string }[];
  env?: Record<string, string>;
  cluster: boolean;
}

const SCRIPT_SCENARIOS: ScriptScenario[] = [
  {
    id: 'core',
    title: '1 indexer + store-memory (no cluster)',
    packages: ['@kw/types', '@kw/indexer', '@kw/store-memory'],
    files: ['core.shared.cjs', 'core.mjs', 'core.cjs'],
    scripts: [
      { format: 'ESM', file: 'core.mjs' },
      { format: 'CJS', file: 'core.cjs' },
    ],
    cluster: false,
  },
  {
    id: 'watch-memory',
    title: '2 client+watcher, store-memory',
    packages: ['@kw/client', '@kw/watcher', '@kw/store-memory', '@kw/indexer'],
    files: ['watch.shared.cjs', 'watch.mjs', 'watch.cjs'],
    scripts: [
      { format: 'ESM', file: 'watch.mjs' },
      { format: 'CJS', file: 'watch.cjs' },
    ],
    env: { KW_RC_STORE: 'memory' },
    cluster: true,
  },
  {
    id: 'watch-cached',
    title: '2 client+watcher, store-cached',
    packages: ['@kw/client', '@kw/watcher', '@kw/store-cached', '@kw/indexer'],
    files: ['watch.shared.cjs', 'watch.mjs', 'watch.cjs'],
    scripts: [
      { format: 'ESM', file: 'watch.mjs' },
      { format: 'CJS', file: 'watch.cjs' },
    ],
    env: { KW_RC_STORE: 'cached' },
    cluster: true,
  },
  {
    id: 'leader',
    title: '3 client+leaderelection acquire/release',
    packages: ['@kw/client', '@kw/leaderelection'],
    thirdParty: { '@kubernetes/client-node': '@kw/client' },
    files: ['leader.shared.cjs', 'leader.mjs', 'leader.cjs'],
    scripts: [
      { format: 'ESM', file: 'leader.mjs' },
      { format: 'CJS', file: 'leader.cjs' },
    ],
    cluster: true,
  },
];

async function runScriptScenario(
  ctx: Context,
  s: ScriptScenario,
  consumer: Promise<Consumer> | undefined,
): Promise<void> {
  const scenarioRows = new Map(
    s.scripts.map((script) => [script.format, ctx.report.row(`${s.title} ${script.format}`)]),
  );
  const missing = missingFor(ctx, s.packages);
  if (missing !== undefined || consumer === undefined) {
    for (const r of scenarioRows.values()) skipRow(ctx, r, `needs ${missing}`);
    return;
  }
  if (s.cluster && ctx.plane === undefined) {
    for (const r of scenarioRows.values()) skipRow(ctx, r, 'no control plane');
    return;
  }
  const installed = await consumer;
  if (!installed.ok) {
    for (const r of scenarioRows.values()) for (const v of NODE_VERSIONS) r.cells.set(major(v), { status: 'fail' });
    ctx.report.fail(`scenario ${s.title}: installing ${s.packages.join(' + ')}: ${installed.error}`);
    return;
  }
  for (const version of NODE_VERSIONS) {
    const node = ctx.nodes.get(major(version));
    if (node === undefined) continue;
    for (const script of s.scripts) {
      const r = scenarioRows.get(script.format);
      if (r === undefined) continue;
      const exec = async (ns: string | undefined) =>
        run(node, [script.file], { cwd: installed.dir, env: scenarioEnv(ctx, node, ns, s.env), timeoutMs: 90_000 });
      const result = s.cluster
        ? await withNamespace(ctx, `${s.id}-${script.format.toLowerCase()}-${major(version)}`, exec)
        : await exec(undefined);
      if (result.code === 0) {
        r.cells.set(major(version), { status: 'pass' });
        ctx.report.info(result.stdout.trim().split('\n').at(-1) ?? 'ok');
        const warning = /ExperimentalWarning[^\n]*/.exec(result.stderr)?.[0];
        if (warning !== undefined) ctx.report.note(`${s.title} ${script.format} node ${version}: ${warning}`);
      } else {
        r.cells.set(major(version), { status: 'fail' });
        ctx.report.fail(
          `${s.title} ${script.format} on node ${version} (${s.packages.join(', ')}): ${loadError(result.stderr + result.stdout)}\n${tail(result.stderr + result.stdout, 6)}`,
        );
      }
    }
  }
}

async function runCliScenario(ctx: Context, consumer: Promise<Consumer> | undefined): Promise<void> {
  const help = ctx.report.row('4 kw --help');
  const watch = ctx.report.row('4 kw watch configmaps --once');
  const missing = missingFor(ctx, ['@kw/cli']);
  if (missing !== undefined || consumer === undefined) {
    skipRow(ctx, help, `needs ${missing}`);
    skipRow(ctx, watch, `needs ${missing}`);
    return;
  }
  const installed = await consumer;
  if (!installed.ok) {
    for (const r of [help, watch]) for (const v of NODE_VERSIONS) r.cells.set(major(v), { status: 'fail' });
    ctx.report.fail(`scenario kw cli: installing @kw/cli: ${installed.error}`);
    return;
  }
  const kw = join(installed.dir, 'node_modules', '.bin', 'kw');
  for (const version of NODE_VERSIONS) {
    const node = ctx.nodes.get(major(version));
    if (node === undefined) continue;
    const h = await run(kw, ['--help'], {
      cwd: installed.dir,
      env: scenarioEnv(ctx, node, undefined),
      timeoutMs: 60_000,
    });
    if (h.code === 0 && /usage/i.test(h.stdout + h.stderr) && /kw watch/.test(h.stdout + h.stderr)) {
      help.cells.set(major(version), { status: 'pass' });
    } else {
      help.cells.set(major(version), { status: 'fail' });
      ctx.report.fail(`@kw/cli: \`kw --help\` on node ${version} exited ${h.code}: ${tail(h.stderr + h.stdout, 6)}`);
    }
    if (ctx.plane === undefined) {
      watch.cells.set(major(version), { status: 'skip', detail: 'no control plane' });
      continue;
    }
    const plane = ctx.plane;
    const w = await withNamespace(ctx, `cli-${major(version)}`, (ns) =>
      run(
        kw,
        [
          'watch',
          'configmaps',
          '-n',
          ns,
          '--kubeconfig',
          plane.adminKubeconfigPath,
          '--index-by',
          'metadata.namespace',
          '--index-by',
          "metadata.labels['app']",
          '--get',
          `${ns},web`,
          '--once',
        ],
        { cwd: installed.dir, env: scenarioEnv(ctx, node, ns), timeoutMs: 90_000 },
      ).then((result) => ({ result, ns })),
    );
    const out = w.result.stdout;
    if (w.result.code === 0 && /: 2 objects/.test(out) && out.includes('web-1') && out.includes('web-2')) {
      watch.cells.set(major(version), { status: 'pass' });
      ctx.report.info(`kw watch --once on node ${version}: ${out.trim().split('\n')[0]}`);
    } else {
      watch.cells.set(major(version), { status: 'fail' });
      ctx.report.fail(
        `@kw/cli: \`kw watch configmaps -n ${w.ns} --get ${w.ns},web --once\` on node ${version} exited ${w.result.code}, expected "2 objects" with web-1 and web-2:\n${tail(w.result.stdout + w.result.stderr, 8)}`,
      );
    }
  }
}

const TS_PACKAGES = ['@kw/types', '@kw/indexer', '@kw/store-memory', '@kw/watcher'];
const TS_MODES = [
  { name: 'node16', module: 'node16', moduleResolution: 'node16', files: ['use.mts', 'use.cts'] },
  { name: 'nodenext', module: 'nodenext', moduleResolution: 'nodenext', files: ['use.mts', 'use.cts'] },
  { name: 'bundler', module: 'esnext', moduleResolution: 'bundler', files: ['use.mts'] },
] as const;

async function runTypesScenario(ctx: Context, consumer: Promise<Consumer> | undefined): Promise<void> {
  const missing = missingFor(ctx, TS_PACKAGES);
  const tsRows = TS_MODES.map((mode) => ({ mode, r: ctx.report.row(`5 tsc --noEmit, ${mode.name}`) }));
  const column = major(NODE_VERSIONS.at(-1) ?? '24');
  const others = NODE_VERSIONS.map(major).filter((m) => m !== column);
  for (const { r } of tsRows)
    for (const m of others) r.cells.set(m, { status: 'n/a', detail: 'compile-time only: tsc runs once' });
  if (missing !== undefined || consumer === undefined) {
    for (const { r } of tsRows) skipRow(ctx, r, `needs ${missing}`, [column]);
    return;
  }
  const installed = await consumer;
  if (!installed.ok) {
    for (const { r } of tsRows) r.cells.set(column, { status: 'fail' });
    ctx.report.fail(`scenario TypeScript: installing ${TS_PACKAGES.join(' + ')} + typescript: ${installed.error}`);
    return;
  }
  const node = ctx.nodes.get(column) ?? process.execPath;
  for (const { mode, r } of tsRows) {
    const config = {
      compilerOptions: {
        module: mode.module,
        moduleResolution: mode.moduleResolution,
        target: 'ES2023',
        lib: ['ES2023'],
        types: ['node'],
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
        noEmit: true,
      },
      files: [...mode.files],
    };
    const file = `tsconfig.${mode.name}.json`;
    await writeFile(join(installed.dir, file), `${JSON.stringify(config, null, 2)}\n`);
    const tsc = join(installed.dir, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(node, [tsc, '-p', file], { cwd: installed.dir, env: cleanEnv(), timeoutMs: 180_000 });
    if (result.code === 0) {
      r.cells.set(column, { status: 'pass' });
      ctx.report.info(`tsc -p ${file} (${mode.files.join(', ')}): clean`);
    } else {
      r.cells.set(column, { status: 'fail' });
      ctx.report.fail(
        `TypeScript consumer (${mode.name}) does not compile against the packed types of ${TS_PACKAGES.join(', ')}:\n${tail(result.stdout + result.stderr, 12)}`,
      );
    }
  }
}

function scriptScenario(s: ScriptScenario): Scenario {
  return {
    id: s.id,
    packages: s.packages,
    files: s.files,
    extraDeps: (ctx) => {
      const extra: Record<string, string> = {};
      for (const [dep, from] of Object.entries(s.thirdParty ?? {})) {
        const range = declaredRange(ctx, from, dep);
        if (range !== undefined) extra[dep] = range;
      }
      return extra;
    },
    run: (ctx, consumer) => runScriptScenario(ctx, s, consumer),
  };
}

/** Every scenario, in summary order. */
export const SCENARIOS: readonly Scenario[] = [
  ...SCRIPT_SCENARIOS.map(scriptScenario),
  { id: 'cli', packages: ['@kw/cli'], files: [], extraDeps: () => ({}), run: runCliScenario },
  {
    id: 'types',
    packages: TS_PACKAGES,
    files: ['use.mts', 'use.cts'],
    extraDeps: (ctx) => {
      const root = JSON.parse(readFileSync(join(ctx.repo, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      };
      return {
        typescript: root.devDependencies.typescript ?? '5.9.3',
        '@types/node': root.devDependencies['@types/node'] ?? '^24',
      };
    },
    run: runTypesScenario,
  },
];
