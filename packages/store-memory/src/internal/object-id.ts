// Copy of tools/repo-checks/shared/object-id.ts: edit that file, then run `pnpm copies:sync`.
import type { KubeObject, ObjectId } from '@kw/types';
import { KwError } from './kw-error';

/** An object without `metadata.name` reached a store or a watcher: it has no identity. `value` is the object. */
export class MissingIdentityError extends KwError {
  constructor(message: string, obj: unknown) {
    super('KW_MISSING_IDENTITY', message, { value: obj });
  }
}

/**
 * An object's identity in a store: `namespace/name`, or `name` when it has no namespace
 * (cluster-scoped). Throws {@link MissingIdentityError} when `metadata.name` is missing or empty;
 * `keys`, when given, are named in the message.
 */
export function objectId(obj: KubeObject, keys?: readonly string[]): ObjectId {
  const name = obj?.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    const under = keys === undefined ? '' : ` (index keys ${JSON.stringify(keys)})`;
    throw new MissingIdentityError(
      `${describe(obj)}${under} has no metadata.name, so it has no identity — pass objects as the API returns them, with metadata.name set`,
      obj,
    );
  }
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/** The namespace (`undefined` when cluster-scoped) and name of an identity made by {@link objectId}. */
export function splitObjectId(id: ObjectId): { namespace: string | undefined; name: string } {
  const slash = id.indexOf('/');
  return slash === -1
    ? { namespace: undefined, name: id }
    : { namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}

function describe(obj: unknown): string {
  if (obj === null || typeof obj !== 'object') return `value ${String(obj)}`;
  const { kind } = obj as KubeObject;
  const what = typeof kind === 'string' && kind !== '' ? `object of kind "${kind}"` : 'object without kind';
  return `${what} with fields [${Object.keys(obj).join(', ')}]`;
}
