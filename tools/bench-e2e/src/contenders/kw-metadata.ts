/** Contender kw-metadata: see kw-common.ts. Run: node --expose-gc kw-metadata.ts --kubeconfig P --namespace NS --kind K --expect N [--churn] */
import { contenderArgs } from '../measure.ts';
import { runKw } from './kw-common.ts';

await runKw('kw-metadata', 'metadata', contenderArgs());
