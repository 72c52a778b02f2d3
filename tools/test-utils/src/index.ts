export { pool } from './pool';
export { type ContractObject, describeStoreContract, type StoreContractEnv } from './store-contract';
export { type UntilOptions, until } from './until';
