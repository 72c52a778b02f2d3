// Identical in @kw/store-memory and @kw/store-cached (packages share only types): keep them so.

import type { KubeObject, ObjectId } from '@kw/types';
import { MissingIdentityError } from './errors';

/**
 * An object's identity in a store: `namespace/name`, or `name` when it has no namespace
 * (cluster-scoped). Throws {@link MissingIdentityError} when `metadata.name` is missing or empty.
 */
export function objectId(obj: KubeObject): ObjectId {
  return identityOf(obj, undefined);
}

/** {@link objectId}, naming the index keys in the error when a write passed some. */
export function identityOf(obj: KubeObject, keys: readonly string[] | undefined): ObjectId {
  const name = obj?.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    const under = keys === undefined ? '' : ` (index keys ${JSON.stringify(keys)})`;
    throw new MissingIdentityError(
      `${describe(obj)}${under} has no metadata.name, so it has no identity in a store — pass objects as the API returns them, with metadata.name set`,
      obj,
    );
  }
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

function describe(obj: unknown): string {
  if (obj === null || typeof obj !== 'object') return `value ${String(obj)}`;
  const { kind } = obj as KubeObject;
  const fields = Object.keys(obj);
  const what = typeof kind === 'string' && kind !== '' ? `object of kind "${kind}"` : 'object without kind';
  return `${what} with fields [${fields.join(', ')}]`;
}

/** Splits an {@link ObjectId} back into namespace (undefined when cluster-scoped) and name; names never contain `/`. */
export function splitObjectId(id: ObjectId): [namespace: string | undefined, name: string] {
  const slash = id.indexOf('/');
  return slash < 0 ? [undefined, id] : [id.slice(0, slash), id.slice(slash + 1)];
}
