/** Contender kw-ignore: see kw-common.ts. Run: node --expose-gc kw-ignore.ts --kubeconfig P --namespace NS --kind K --expect N [--churn] */
import { contenderArgs } from '../measure.ts';
import { runKw } from './kw-common.ts';

await runKw('kw-ignore', 'ignore', contenderArgs());
