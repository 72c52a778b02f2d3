// Child process of no-client-node.e2e.test.ts. Records every module resolution whose specifier or
// resolved URL is @kubernetes/client-node (a module.registerHooks resolve hook sees import() and
// require() alike), then imports the built @kw/client, lists ConfigMaps with each kubeconfig in
// KW_KUBECONFIGS (comma-separated `path=namespace` pairs) and prints one JSON line.
import { registerHooks } from 'node:module';

const clientNode = /(^|[\\/])@kubernetes[\\/]client-node([\\/]|$)/;
const seen = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    if (clientNode.test(specifier) || clientNode.test(decodeURIComponent(result.url))) seen.push(specifier);
    return result;
  },
});

const { createClient } = await import(process.env.KW_CLIENT_DIST);
const configMaps = { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: [] };
const results = [];
for (const pair of process.env.KW_KUBECONFIGS.split(',')) {
  const [kubeconfigPath, namespace] = pair.split('=');
  const client = createClient({ kubeconfigPath });
  try {
    const page = await client.list(configMaps, namespace);
    results.push({ identity: client.identity, clientNode: client.config.clientNode, items: page.items.length });
  } catch (error) {
    results.push({ error: `${error.code}: ${error.message}` });
  } finally {
    client.close();
  }
}
console.log(JSON.stringify({ seen, results }));
