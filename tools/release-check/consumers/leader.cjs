'use strict';
const { KubeConfig } = require('@kubernetes/client-node');
const { createLeaseClient, LeaderElector } = require('@kw/leaderelection');
const { run } = require('./leader.shared.cjs');

run({ KubeConfig, createLeaseClient, LeaderElector }, `CJS (node ${process.version})`).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
