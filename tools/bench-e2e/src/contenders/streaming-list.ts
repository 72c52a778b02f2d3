/**
 * The streaming list the stream floors share: a WATCH with `sendInitialEvents=true` (the same
 * resourceVersion semantics as kw's default) over HTTPS/1.1, split on newlines, objects kept in an
 * array until the `k8s.io/initial-events-end` bookmark. How event lines become events is the floor's.
 */
import https from 'node:https';
import { kindByName } from '../kinds.ts';
import { endpointFrom } from '../kube.ts';
import { contenderArgs, runContender } from '../measure.ts';

/** A watch event, as far as a floor reads it. */
export interface StreamEvent {
  type: string;
  object: { metadata?: { annotations?: Record<string, string> } };
}

/** Takes one complete event line; returns the events decoded so far (possibly none, possibly earlier lines'). */
export type LineDecoder = (line: string) => Iterable<StreamEvent>;

/** Runs the floor contender `name`, decoding event lines with a fresh `decoder()`. */
export async function runStreamingList(name: string, decoder: () => LineDecoder): Promise<void> {
  const args = contenderArgs();
  await runContender(name, args, async () => {
    const kind = kindByName(args.kind);
    const ep = await endpointFrom(args.kubeconfig);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const items: unknown[] = [];
    let request: ReturnType<typeof https.request> | undefined;
    return {
      sync: () =>
        new Promise<number>((resolve, reject) => {
          const q = new URLSearchParams({
            watch: '1',
            sendInitialEvents: 'true',
            allowWatchBookmarks: 'true',
            resourceVersionMatch: 'NotOlderThan',
          });
          const decode = decoder();
          /** Keeps an ADDED object; true once the stream is done (the end bookmark, or an ERROR). */
          const handle = (ev: StreamEvent): boolean => {
            if (ev.type === 'ADDED') {
              items.push(ev.object);
              return false;
            }
            if (ev.type === 'BOOKMARK' && ev.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true')
              resolve(items.length);
            else if (ev.type === 'ERROR')
              reject(new Error(`streaming list ERROR: ${JSON.stringify(ev.object).slice(0, 300)}`));
            else return false;
            request?.destroy();
            return true;
          };
          request = https.request(
            {
              host: ep.server.hostname,
              port: ep.server.port === '' ? 443 : Number(ep.server.port),
              path: `${kind.collectionPath(args.namespace)}?${q}`,
              method: 'GET',
              agent,
              ...ep.tls,
              headers: { accept: 'application/json', 'user-agent': 'kw-bench-floor', ...ep.headers },
            },
            (res) => {
              if ((res.statusCode ?? 0) >= 300) {
                reject(new Error(`streaming list -> HTTP ${res.statusCode}`));
                res.resume();
                return;
              }
              let rest: Buffer | undefined;
              res.on('data', (chunk: Buffer) => {
                const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
                let start = 0;
                for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
                  const line = buf.toString('utf8', start, nl);
                  start = nl + 1;
                  for (const ev of decode(line)) if (handle(ev)) return;
                }
                rest = start < buf.length ? buf.subarray(start) : undefined;
              });
              res.on('error', reject);
            },
          );
          request.on('error', reject);
          request.end();
        }),
      notes: () => ({}),
      async stop() {
        request?.destroy();
        agent.destroy();
      },
    };
  });
}
