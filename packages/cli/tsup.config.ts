import { kwPackage } from '../../tsup.preset';

// The library (`run()`, ESM + CJS + types) and the `kw` bin (dist/cli.js) in one build, so they
// share chunks. The bin's shebang comes from the first line of src/cli.ts, which esbuild keeps.
export default kwPackage({
  entry: ['src/index.ts', 'src/cli.ts'],
  dts: { entry: 'src/index.ts' },
});
