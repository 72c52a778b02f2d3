export type { LeaseApiErrorInit } from './errors';
export {
  KwError,
  LeaderElectionCallbackError,
  LeaderElectionConfigError,
  LeadershipLostError,
  LeaseApiError,
  LeaseConflictError,
  LeaseNotFoundError,
} from './errors';
export type { LeaseClientOptions } from './kube-lease-client';
export { createLeaseClient } from './kube-lease-client';
export type { Clock, LeaderElectionHealth, LeaderElectorOptions } from './leader-elector';
export { LEADER_ELECTION_DEFAULTS, LeaderElector } from './leader-elector';
export type { LeaseClient, LeaseRecord, LeaseRequestOptions, NewLeaseRecord } from './lease-client';
