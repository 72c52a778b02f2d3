export type { ContractObject } from './contract-object';
export { pool } from './pool';
export { describeStoreContract } from './store-contract';
export type { StoreContractEnv } from './store-harness';
export { type UntilOptions, until } from './until';
