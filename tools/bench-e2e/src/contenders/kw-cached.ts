/** Contender kw-cached: see kw-common.ts. Run: node --expose-gc kw-cached.ts --kubeconfig P --namespace NS --kind K --expect N [--churn] */
import { contenderArgs } from '../measure.ts';
import { runKw } from './kw-common.ts';

await runKw('kw-cached', 'cached', contenderArgs());
