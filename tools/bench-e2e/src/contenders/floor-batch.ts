/**
 * Contender floor-batch: the streaming list of floor-stream, but complete event lines are joined
 * until they hold 110 K characters and parsed with one `JSON.parse` of a JSON array (a bookmark line
 * alone). V8 builds what one `JSON.parse` of a source over 100 K characters returns in the old
 * generation, so no scavenge copies the kept objects: the floor with the fewest GC pauses.
 */
import https from 'node:https';
import { kindByName } from '../kinds.ts';
import { endpointFrom } from '../kube.ts';
import { contenderArgs, runContender } from '../measure.ts';

interface Event {
  type: string;
  object: { metadata?: { annotations?: Record<string, string> } };
}

const args = contenderArgs();
await runContender('floor-batch', args, async () => {
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
            let texts: string[] = [];
            let chars = 0;
            const handle = (ev: Event): boolean => {
              if (ev.type === 'ADDED') items.push(ev.object);
              else if (
                ev.type === 'BOOKMARK' &&
                ev.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true'
              ) {
                resolve(items.length);
                request?.destroy();
                return true;
              }
              return false;
            };
            const flush = (): boolean => {
              const evs = JSON.parse(`[${texts.join(',')}]`) as Event[];
              texts = [];
              chars = 0;
              for (const ev of evs) if (handle(ev)) return true;
              return false;
            };
            res.on('data', (chunk: Buffer) => {
              const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
              let start = 0;
              for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
                const text = buf.toString('utf8', start, nl);
                start = nl + 1;
                if (text.includes('"BOOKMARK"')) {
                  if (texts.length > 0 && flush()) return;
                  if (handle(JSON.parse(text) as Event)) return;
                  continue;
                }
                texts.push(text);
                chars += text.length;
                if (chars >= 110 * 1024 && flush()) return;
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
