import { KubeConfig } from '@kubernetes/client-node';
import { createClient } from '@kw/client';
import { createLeaseClient, LeaderElector } from '@kw/leaderelection';
import shared from './leader.shared.cjs';

await shared.run({ KubeConfig, createClient, createLeaseClient, LeaderElector }, `ESM (node ${process.version})`);
