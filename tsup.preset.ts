import { defineConfig, type Options } from 'tsup';

/**
 * The build every published kw package shares: ESM + CJS + declarations from `src/index.ts`,
 * for Node 22+. A package's tsup.config.ts is `export default kwPackage()`.
 */
export function kwPackage(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node22',
    platform: 'node',
    treeshake: true,
    ...overrides,
  });
}
