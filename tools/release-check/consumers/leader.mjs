import { KubeConfig } from '@kubernetes/client-node';
import { createLeaseClient, LeaderElector } from '@kw/leaderelection';
import shared from './leader.shared.cjs';

await shared.run({ KubeConfig, createLeaseClient, LeaderElector }, `ESM (node ${process.version})`);
