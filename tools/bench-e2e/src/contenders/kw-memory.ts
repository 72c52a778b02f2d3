/** Contender kw-memory: see kw-common.ts. Run: node --expose-gc kw-memory.ts --kubeconfig P --namespace NS --kind K --expect N [--churn] */
import { contenderArgs } from '../measure.ts';
import { runKw } from './kw-common.ts';

await runKw('kw-memory', 'memory', contenderArgs());
