import type { KubeObject, ObjectId } from '@kw/types';
import { KwError } from './errors';

/** An object's identity: `namespace/name`, or `name` without a namespace. Throws `KW_MISSING_IDENTITY` without `metadata.name`. */
export function objectId(obj: KubeObject): ObjectId {
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    throw new KwError(
      'KW_MISSING_IDENTITY',
      `received an object without metadata.name (kind ${JSON.stringify(obj.kind)}); it was skipped`,
      obj,
    );
  }
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}
