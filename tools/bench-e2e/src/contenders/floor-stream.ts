/**
 * Contender floor-stream: a streaming list (WATCH with `sendInitialEvents=true`, the same
 * resourceVersion semantics as kw's default) over HTTPS/1.1, split on newlines, one `JSON.parse`
 * per event, objects kept in an array until the `k8s.io/initial-events-end` bookmark. No store, no
 * index, no copies: the physical floor of a Node client at any size.
 */
import { runStreamingList, type StreamEvent } from './streaming-list.ts';

await runStreamingList('floor-stream', () => (line) => [JSON.parse(line) as StreamEvent]);
