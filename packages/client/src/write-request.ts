import type { DeleteOptions, KubeObject, PatchOptions, PatchType, ResolvedResource, WriteOptions } from '@kw/types';
import { ACCEPT_JSON, resourceLabel, resourcePath } from './api-paths';
import { InvalidConfigError } from './errors';
import type { ApiRequest } from './transport';

/** `Content-Type` of each {@link PatchType}. */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = Object.freeze({
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
});

/** A write request, and whether a 429 answer to it may be retried (see the README's "Retries"). */
export interface WriteRequest extends ApiRequest {
  /** True for idempotent writes: `replace` carrying a resourceVersion, `apply` patches, `delete` with a precondition. */
  idempotent: boolean;
}

/** `POST` of a new object. Never retried: a lost answer could hide a created object. */
export function createRequest(
  resource: ResolvedResource,
  namespace: string | undefined,
  obj: KubeObject,
  options: WriteOptions,
): WriteRequest {
  return {
    ...base('create', resource, namespace, obj.metadata?.name, options),
    method: 'POST',
    path: objectPath(resource, namespace, undefined, options.subresource),
    body: JSON.stringify(obj),
    idempotent: false,
  };
}

/** `PUT` of the object named by `obj.metadata.name`; idempotent when it carries `metadata.resourceVersion`. */
export function replaceRequest(
  resource: ResolvedResource,
  namespace: string | undefined,
  obj: KubeObject,
  options: WriteOptions,
): WriteRequest {
  const name = obj.metadata?.name;
  if (!name) {
    throw new InvalidConfigError(
      'metadata.name',
      `replace ${resourceLabel(resource)}: the object has no metadata.name — set the name of the object to replace`,
      obj,
    );
  }
  return {
    ...base('replace', resource, namespace, name, options),
    method: 'PUT',
    path: objectPath(resource, namespace, name, options.subresource),
    body: JSON.stringify(obj),
    idempotent: Boolean(obj.metadata?.resourceVersion),
  };
}

/** `PATCH` in the format `options.type` names; only server-side apply is idempotent. */
export function patchRequest(
  resource: ResolvedResource,
  namespace: string | undefined,
  name: string,
  patch: unknown,
  options: PatchOptions,
): WriteRequest {
  const contentType = PATCH_CONTENT_TYPES[options.type];
  if (contentType === undefined) {
    throw new InvalidConfigError(
      'type',
      `patch ${resourceLabel(resource)} "${name}": type ${JSON.stringify(options.type)} is not one of ${Object.keys(PATCH_CONTENT_TYPES).join(', ')}`,
      options.type,
    );
  }
  if (options.type === 'apply' && !options.fieldManager) {
    throw new InvalidConfigError(
      'fieldManager',
      `patch ${resourceLabel(resource)} "${name}": a server-side apply needs fieldManager — name your controller, e.g. { fieldManager: 'my-controller' }`,
      options.fieldManager,
    );
  }
  if (options.type === 'json' && !Array.isArray(patch)) {
    throw new InvalidConfigError(
      'patch',
      `patch ${resourceLabel(resource)} "${name}": a json patch is an array of operations ([{ op: 'replace', path: '/data/a', value: '1' }])`,
      patch,
    );
  }
  const request = base('patch', resource, namespace, name, options);
  if (options.force !== undefined) {
    if (options.type !== 'apply') {
      throw new InvalidConfigError(
        'force',
        `patch ${resourceLabel(resource)} "${name}": force only applies to type 'apply', got type '${options.type}'`,
        options.force,
      );
    }
    request.query.set('force', String(options.force));
  }
  return {
    ...request,
    method: 'PATCH',
    path: objectPath(resource, namespace, name, options.subresource),
    body: JSON.stringify(patch),
    contentType,
    idempotent: options.type === 'apply',
  };
}

/** `DELETE` with a `DeleteOptions` body; idempotent when it carries a uid or resourceVersion precondition. */
export function deleteRequest(
  resource: ResolvedResource,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions,
): WriteRequest {
  const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (options.propagationPolicy !== undefined) body.propagationPolicy = options.propagationPolicy;
  if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
  if (options.dryRun) body.dryRun = ['All'];
  const { uid, resourceVersion } = options.preconditions ?? {};
  if (uid !== undefined || resourceVersion !== undefined) {
    body.preconditions = {
      ...(uid !== undefined ? { uid } : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    };
  }
  return {
    verb: 'delete',
    resource: resourceLabel(resource),
    kind: resource.kind,
    namespace,
    name,
    method: 'DELETE',
    path: resourcePath(resource, namespace, name),
    accept: ACCEPT_JSON,
    signal: options.signal,
    body: JSON.stringify(body),
    idempotent: body.preconditions !== undefined,
  };
}

function base(
  verb: string,
  resource: ResolvedResource,
  namespace: string | undefined,
  name: string | undefined,
  options: WriteOptions,
): ApiRequest & { query: URLSearchParams } {
  const query = new URLSearchParams();
  if (options.dryRun) query.set('dryRun', 'All');
  if (options.fieldManager) query.set('fieldManager', options.fieldManager);
  if (options.fieldValidation) query.set('fieldValidation', options.fieldValidation);
  return {
    verb,
    resource: resourceLabel(resource) + (options.subresource ? `/${options.subresource}` : ''),
    kind: resource.kind,
    namespace,
    ...(name ? { name } : {}),
    path: '',
    query,
    accept: ACCEPT_JSON,
    signal: options.signal,
  };
}

function objectPath(
  resource: ResolvedResource,
  namespace: string | undefined,
  name: string | undefined,
  subresource: string | undefined,
): string {
  const path = resourcePath(resource, namespace, name);
  return subresource && name ? `${path}/${encodeURIComponent(subresource)}` : path;
}
