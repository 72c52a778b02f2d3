/** Contender kw-paginated: kw-memory with `listMode: 'paginated'` (a LIST page of 500, then pages of about `pageBytes`, 8 MiB, instead of `auto`'s one LIST), then WATCH. */
import { contenderArgs } from '../measure.ts';
import { runKw } from './kw-common.ts';

await runKw('kw-paginated', 'paginated', contenderArgs());
