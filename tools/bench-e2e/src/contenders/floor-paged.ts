/**
 * Contender floor-paged: fetches the same list pages a paginated watcher would (limit 500, continue)
 * over HTTPS/1.1 keep-alive, `JSON.parse`s each page and keeps the items. No watch, no store,
 * no copies: the least any client that holds all objects must spend.
 */
import https from 'node:https';
import { kindByName } from '../kinds.ts';
import { endpointFrom, httpsGetBuffer } from '../kube.ts';
import { contenderArgs, runContender } from '../measure.ts';

const args = contenderArgs();
await runContender('floor-paged', args, async () => {
  const kind = kindByName(args.kind);
  const ep = await endpointFrom(args.kubeconfig);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const items: unknown[] = [];
  let pages = 0;
  return {
    async sync() {
      let cont: string | undefined;
      do {
        const q = new URLSearchParams({ limit: '500' });
        if (cont !== undefined) q.set('continue', cont);
        const buf = await httpsGetBuffer(ep, agent, `${kind.collectionPath(args.namespace)}?${q}`);
        const page = JSON.parse(buf.toString('utf8')) as { items: unknown[]; metadata: { continue?: string } };
        for (const it of page.items) items.push(it);
        pages++;
        cont = page.metadata.continue || undefined;
      } while (cont !== undefined);
      return items.length;
    },
    notes: () => ({ pages }),
    async stop() {
      agent.destroy();
    },
  };
});
