// Shared body of watch.mjs / watch.cjs: sync a namespace's ConfigMaps into a store (chosen by
// KW_RC_STORE: memory or cached), answer lookups, then see a new ConfigMap arrive through the
// watch. Exits non-zero on any mismatch.
'use strict';
const { readFileSync } = require('node:fs');
const https = require('node:https');

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** Creates a ConfigMap with plain https (the admin token), as another actor would. */
function createConfigMap(namespace, name, labels) {
  const url = new URL(`/api/v1/namespaces/${namespace}/configmaps`, env('KW_RC_SERVER'));
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        ca: readFileSync(env('KW_RC_CA')),
        headers: { authorization: `Bearer ${env('KW_RC_TOKEN')}`, 'content-type': 'application/json' },
        timeout: 15_000,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 201 ? resolve() : reject(new Error(`create ${name}: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ metadata: { name, labels } }));
  });
}

function names(objects) {
  return objects.map((o) => o.metadata.name).sort();
}

function expectEqual(what, actual, expected) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

async function run({ createClient, Indexer, Watcher, storeModule, storeKind }, label) {
  const namespace = env('KW_RC_NAMESPACE');
  const configmaps = { group: '', version: 'v1', resource: 'configmaps' };
  const client = createClient({ kubeconfigPath: env('KW_RC_KUBECONFIG') });
  const indexer = new Indexer({
    indexBy: ['metadata.namespace', "metadata.labels['app']"],
    ignoreFields: ['metadata.managedFields'],
  });
  let store;
  if (storeKind === 'cached') {
    const resolved = await client.resolve(configmaps);
    const fetch = (ns, name, signal) =>
      client
        .get(resolved, ns, name, signal ? { signal } : {})
        .catch((error) => (error.code === 'KW_NOT_FOUND' ? undefined : Promise.reject(error)));
    store = new storeModule.CachedStore({ fetch, filterFields: (o) => indexer.filterFields(o) });
  } else {
    store = new storeModule.MemoryStore();
  }
  const errors = [];
  const abort = new AbortController();
  const watcher = new Watcher({
    api: client,
    resource: configmaps,
    namespace,
    keys: indexer,
    store,
    signal: abort.signal,
    onChange: () => {},
    onError: (error) => errors.push(error.message),
  });
  try {
    watcher.start();
    await watcher.waitForSync(AbortSignal.timeout(30_000));
    expectEqual('full key [ns, web]', names(await store.get([namespace, 'web'])), ['web-1', 'web-2']);
    expectEqual('partial key [ns]', names(await store.get([namespace])), ['api-1', 'web-1', 'web-2']);
    const one = await store.getById(`${namespace}/web-1`);
    expectEqual('getById body', one?.data?.owner, 'release-check');

    await createConfigMap(namespace, 'web-3', { app: 'web' });
    const deadline = Date.now() + 20_000;
    let seen = [];
    while (Date.now() < deadline) {
      seen = names(await store.get([namespace, 'web']));
      if (seen.length === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expectEqual('after creating web-3, [ns, web]', seen, ['web-1', 'web-2', 'web-3']);
  } finally {
    abort.abort();
    await watcher.stop();
  }
  if (errors.length > 0) console.error(`watcher reported (recovered) errors: ${errors.join('; ')}`);
  console.log(`ok ${label}: ${storeKind} store synced ${namespace}, answered lookups, saw a live ADDED`);
}

module.exports = { run };
