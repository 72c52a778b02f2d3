/**
 * Contender floor-batch: the streaming list of floor-stream, but complete event lines are joined
 * until they hold 110 K characters and parsed with one `JSON.parse` of a JSON array (a bookmark line
 * alone). V8 builds what one `JSON.parse` of a source over 100 K characters returns in the old
 * generation, so no scavenge copies the kept objects: the floor with the fewest GC pauses.
 */
import { type LineDecoder, runStreamingList, type StreamEvent } from './streaming-list.ts';

/** Characters of event lines parsed together. */
const BATCH_CHARS = 110 * 1024;

await runStreamingList('floor-batch', (): LineDecoder => {
  let lines: string[] = [];
  let chars = 0;
  const flush = (): StreamEvent[] => {
    if (lines.length === 0) return [];
    const events = JSON.parse(`[${lines.join(',')}]`) as StreamEvent[];
    lines = [];
    chars = 0;
    return events;
  };
  return (line) => {
    if (line.includes('"BOOKMARK"')) return [...flush(), JSON.parse(line) as StreamEvent];
    lines.push(line);
    chars += line.length;
    return chars >= BATCH_CHARS ? flush() : [];
  };
});
