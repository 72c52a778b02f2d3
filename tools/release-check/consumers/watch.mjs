import { createClient } from '@kw/client';
import { Indexer } from '@kw/indexer';
import { Watcher } from '@kw/watcher';
import shared from './watch.shared.cjs';

// The store is configuration: the same code runs with @kw/store-memory or @kw/store-cached.
const storeKind = process.env.KW_RC_STORE === 'cached' ? 'cached' : 'memory';
const storeModule = storeKind === 'cached' ? await import('@kw/store-cached') : await import('@kw/store-memory');
await shared.run({ createClient, Indexer, Watcher, storeModule, storeKind }, `ESM (node ${process.version})`);
