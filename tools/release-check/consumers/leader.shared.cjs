// Shared body of leader.mjs / leader.cjs: acquire a Lease with LeaderElector (on @kw/client's createClient), check the holder on
// the API, stop (releasing it) and check the holder is cleared. Exits non-zero on any mismatch.
'use strict';

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function run({ KubeConfig, createClient, createLeaseClient, LeaderElector }, label) {
  const namespace = env('KW_RC_NAMESPACE');
  const name = `rc-lease-${process.pid}`;
  const identity = `release-check-${process.pid}`;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(env('KW_RC_KUBECONFIG'));
  const client = createClient({ kubeConfig });
  const leaseClient = createLeaseClient({ api: client });
  let leading;
  const started = new Promise((resolve) => {
    leading = resolve;
  });
  const elector = new LeaderElector({
    lease: { name, namespace },
    identity,
    leaseClient,
    retryPeriodMs: 500,
    onStartedLeading: () => leading(),
  });
  let timer;
  try {
    elector.start();
    await Promise.race([
      started,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('did not become leader within 20 s')), 20_000);
      }),
    ]);
    if (!elector.isLeader()) throw new Error('onStartedLeading ran but isLeader() is false');
    const held = await leaseClient.get(namespace, name);
    if (held?.holderIdentity !== identity)
      throw new Error(`Lease holder is ${JSON.stringify(held?.holderIdentity)}, expected ${identity}`);
  } finally {
    clearTimeout(timer);
    await elector.stop();
  }
  const released = await leaseClient.get(namespace, name);
  if (released === undefined) throw new Error('the Lease disappeared after stop()');
  if (released.holderIdentity)
    throw new Error(`after stop() the Lease is still held by ${JSON.stringify(released.holderIdentity)}`);
  client.close?.();
  console.log(`ok ${label}: acquired and released Lease ${namespace}/${name}`);
}

module.exports = { run };
