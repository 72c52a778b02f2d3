import { Indexer } from '@kw/indexer';
import { MemoryStore } from '@kw/store-memory';
import shared from './core.shared.cjs';

await shared.check({ Indexer, MemoryStore }, `ESM (node ${process.version})`);
