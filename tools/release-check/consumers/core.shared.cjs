// Shared body of core.mjs / core.cjs: index objects with an Indexer into a MemoryStore and check
// full-key, partial-key and identity lookups. Exits non-zero on any mismatch.
'use strict';

const PODS = [
  { kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' } } },
  { kind: 'Pod', metadata: { name: 'web-2', namespace: 'shop', labels: { app: 'web' } } },
  { kind: 'Pod', metadata: { name: 'api-1', namespace: 'shop', labels: { app: 'api' } } },
  { kind: 'Pod', metadata: { name: 'web-1', namespace: 'blog', labels: { app: 'web' } } },
];

function expectNames(what, objects, expected) {
  const names = objects.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort();
  if (JSON.stringify(names) !== JSON.stringify([...expected].sort())) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(names)}`);
  }
}

async function check({ Indexer, MemoryStore }, label) {
  const indexer = new Indexer({ indexBy: ['metadata.namespace', "metadata.labels['app']"] });
  const store = new MemoryStore();
  for (const pod of PODS) store.add(indexer.filterFields(pod), indexer.extractKeys(pod));
  expectNames('full key [shop, web]', await store.get(['shop', 'web']), ['shop/web-1', 'shop/web-2']);
  expectNames('partial key [shop]', await store.get(['shop']), ['shop/web-1', 'shop/web-2', 'shop/api-1']);
  expectNames('full key [blog, api]', await store.get(['blog', 'api']), []);
  const byId = await store.getById('blog/web-1');
  if (byId?.metadata?.namespace !== 'blog') throw new Error(`getById("blog/web-1"): got ${JSON.stringify(byId)}`);
  if ((await store.size()) !== PODS.length) throw new Error(`size(): expected ${PODS.length}`);
  let threw = false;
  try {
    new Indexer({ indexBy: [] });
  } catch (error) {
    threw = error.code === 'KW_INVALID_CONFIG';
  }
  if (!threw) throw new Error('new Indexer({ indexBy: [] }) did not throw a KW_INVALID_CONFIG error');
  console.log(`ok ${label}: full and partial key lookups on ${PODS.length} objects`);
}

module.exports = { check };
