'use strict';
const { createClient } = require('@kw/client');
const { Indexer } = require('@kw/indexer');
const { Watcher } = require('@kw/watcher');
const { run } = require('./watch.shared.cjs');

// The store is configuration: the same code runs with @kw/store-memory or @kw/store-cached.
const storeKind = process.env.KW_RC_STORE === 'cached' ? 'cached' : 'memory';
const storeModule = storeKind === 'cached' ? require('@kw/store-cached') : require('@kw/store-memory');
run({ createClient, Indexer, Watcher, storeModule, storeKind }, `CJS (node ${process.version})`).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
