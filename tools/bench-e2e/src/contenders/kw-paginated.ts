/** Contender kw-paginated: kw-memory with `listMode: 'paginated'` (LIST pages of 500, then WATCH) instead of the streaming list. */
import { contenderArgs } from '../measure.ts';
import { runKw } from './kw-common.ts';

await runKw('kw-paginated', 'paginated', contenderArgs());
