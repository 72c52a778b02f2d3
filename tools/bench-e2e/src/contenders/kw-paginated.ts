/** Contender kw-paginated: kw-memory with `listMode: 'paginated'` (LIST pages of `pageBytes`, 8 MiB, instead of `auto`'s 64 MiB), then WATCH. */
import { contenderArgs } from '../measure.ts';
import { runKw } from './kw-common.ts';

await runKw('kw-paginated', 'paginated', contenderArgs());
