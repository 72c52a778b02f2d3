/**
 * Contender floor-stream: a streaming list (WATCH with `sendInitialEvents=true`, the same
 * resourceVersion semantics as kw's default) over HTTPS/1.1, split on newlines, one `JSON.parse`
 * per event, objects kept in an array until the `k8s.io/initial-events-end` bookmark. No store, no
 * index, no copies: the physical floor of a Node client at any size.
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
await runContender('floor-stream', args, async () => {
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
            res.on('data', (chunk: Buffer) => {
              const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
              let start = 0;
              for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
                const ev = JSON.parse(buf.toString('utf8', start, nl)) as Event;
                start = nl + 1;
                if (ev.type === 'ADDED') items.push(ev.object);
                else if (
                  ev.type === 'BOOKMARK' &&
                  ev.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true'
                ) {
                  resolve(items.length);
                  request?.destroy();
                  return;
                } else if (ev.type === 'ERROR') {
                  reject(new Error(`streaming list ERROR: ${JSON.stringify(ev.object).slice(0, 300)}`));
                  request?.destroy();
                  return;
                }
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
