export type { Clock } from '@kw/types';
export {
  CallbackError,
  InvalidConfigError,
  LeaderElectionCallbackError,
  LeaderElectionConfigError,
  LeadershipLostError,
} from './errors';
export type { Lease, LeaseApi, LeaseClientOptions } from './kube-lease-client';
export { createLeaseClient, LEASE_RESOURCE } from './kube-lease-client';
export type { LeaderElectionHealth } from './leader-elector';
export { LeaderElector } from './leader-elector';
export type { LeaseClient, LeaseRecord, LeaseRequestOptions, NewLeaseRecord } from './lease-client';
export type { LeaderElectorOptions } from './options';
export { LEADER_ELECTION_DEFAULTS } from './options';
