'use strict';
const { Indexer } = require('@kw/indexer');
const { MemoryStore } = require('@kw/store-memory');
const { check } = require('./core.shared.cjs');

check({ Indexer, MemoryStore }, `CJS (node ${process.version})`).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
