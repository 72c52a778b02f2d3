#!/usr/bin/env node
import { run } from './run';

// The `kw` bin: first SIGINT/SIGTERM stops the command cleanly; a second one exits at once.
const controller = new AbortController();
let signals = 0;
const onSignal = (name: NodeJS.Signals): void => {
  signals++;
  if (signals > 1) process.exit(130);
  if (process.stderr.isTTY) process.stderr.write('\n');
  controller.abort(new Error(`received ${name}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

run(process.argv.slice(2), { signal: controller.signal }).then((code) => {
  process.exitCode = code;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
});
