/**
 * Contender floor-full: one unpaginated LIST over HTTPS/1.1, the whole body `JSON.parse`d once, items
 * kept. The cheapest possible load while the body fits in one V8 string (~512 MB); above that it
 * fails like the peer's single LIST does, and the report falls back to the other floors.
 */
import https from 'node:https';
import { kindByName } from '../kinds.ts';
import { endpointFrom, httpsGetBuffer } from '../kube.ts';
import { contenderArgs, runContender } from '../measure.ts';

const args = contenderArgs();
await runContender('floor-full', args, async () => {
  const kind = kindByName(args.kind);
  const ep = await endpointFrom(args.kubeconfig);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  let items: unknown[] = [];
  return {
    async sync() {
      const buf = await httpsGetBuffer(ep, agent, kind.collectionPath(args.namespace));
      items = (JSON.parse(buf.toString('utf8')) as { items: unknown[] }).items;
      return items.length;
    },
    notes: () => ({}),
    async stop() {
      agent.destroy();
    },
  };
});
