import { type ContractObject, describeStoreContract } from '@kw/test-utils';
import { CachedStore } from './index';

describeStoreContract(
  'CachedStore',
  ({ keyCount, fetch }) => new CachedStore<ContractObject>({ fetch, ...(keyCount === undefined ? {} : { keyCount }) }),
);
