import { describeStoreContract } from '@kw/test-utils';
import { MemoryStore } from './index';

describeStoreContract('MemoryStore', ({ keyCount }) => new MemoryStore(keyCount === undefined ? {} : { keyCount }));
