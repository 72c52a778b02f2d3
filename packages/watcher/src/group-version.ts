import type { GroupVersionResource } from '@kw/types';

/** The `apiVersion` of a resource: `version` for the core group (`v1`), else `group/version` (`apps/v1`). */
export function groupVersion(resource: Pick<GroupVersionResource, 'group' | 'version'>): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}
