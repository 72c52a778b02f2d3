import type { KubeObject, MaybePromise } from '@kw/types';

/**
 * What the list-watch loop hands its writer, in order (kube-rs `Event`, client-go `Replace`/`Add`):
 *
 * - `init`: a listing starts (again, if a paginated listing restarted after `410` on `continue`);
 * - `initApply`: one object of that listing;
 * - `initDone`: the listing is complete at resourceVersion `rv`: whatever it did not contain is gone;
 * - `apply`: a watch `ADDED`/`MODIFIED`;
 * - `delete`: a watch `DELETED`.
 */
export type WatchStep<T extends KubeObject> =
  | { readonly type: 'init' }
  | { readonly type: 'initApply'; readonly obj: T }
  | { readonly type: 'initDone'; readonly rv: string }
  | { readonly type: 'apply'; readonly obj: T }
  | { readonly type: 'delete'; readonly obj: T };

/** A writer's answer to a step: `'relist'` when it could not apply it and the loop must list again. */
export type ApplyResult = undefined | 'relist';

/** Applies steps to a store; the loop awaits a returned promise before the next step. */
export interface StepSink<T extends KubeObject> {
  apply(step: WatchStep<T>): MaybePromise<ApplyResult>;
}
