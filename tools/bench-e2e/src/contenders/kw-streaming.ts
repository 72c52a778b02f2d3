/** Contender kw-streaming: kw-memory with `listMode: 'streaming'` (a streaming list, `sendInitialEvents`, then the same WATCH). */
import { contenderArgs } from '../measure.ts';
import { runKw } from './kw-common.ts';

await runKw('kw-streaming', 'streaming', contenderArgs());
