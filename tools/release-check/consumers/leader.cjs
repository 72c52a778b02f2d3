'use strict';
const { KubeConfig } = require('@kubernetes/client-node');
const { createClient } = require('@kw/client');
const { createLeaseClient, LeaderElector } = require('@kw/leaderelection');
const { run } = require('./leader.shared.cjs');

run({ KubeConfig, createClient, createLeaseClient, LeaderElector }, `CJS (node ${process.version})`).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
