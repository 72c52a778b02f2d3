import type { KubeObject, ObjectId } from '@kw/types';
import { MissingIdentityError } from './errors';

/**
 * An object's identity in a store: `namespace/name`, or `name` when it has no namespace
 * (cluster-scoped). Throws {@link MissingIdentityError} when `metadata.name` is missing or empty.
 */
export function objectId(obj: KubeObject): ObjectId {
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    const kind = typeof obj?.kind === 'string' && obj.kind !== '' ? `object of kind "${obj.kind}"` : 'object';
    throw new MissingIdentityError(
      `${kind} has no metadata.name, so it has no identity in a store — pass objects as the API returns them (with metadata.name set)`,
      obj,
    );
  }
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits an {@link ObjectId} back into namespace (undefined when cluster-scoped) and name; names never contain `/`. */
export function splitObjectId(id: ObjectId): [namespace: string | undefined, name: string] {
  const slash = id.indexOf('/');
  return slash < 0 ? [undefined, id] : [id.slice(0, slash), id.slice(slash + 1)];
}
