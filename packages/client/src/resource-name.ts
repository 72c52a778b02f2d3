import type { ResolvedResource } from '@kw/types';
import { type ApiResource, type ApiResourceList, topLevel, toResolved } from './discovery';
import { InvalidConfigError } from './errors';

/** A resource name as a user types it, before discovery: `deployments.apps`, `ingresses.v1.networking.k8s.io`, `cm`. */
export interface ResourceName {
  /** The text as given. */
  text: string;
  /** Plural, singular, short name or kind, lower-cased: `deployments`, `deploy`, `deployment`. */
  name: string;
  /** The API version when given (`v1`, `v1beta1`). */
  version?: string;
  /** The API group when given; `''` for the core group (`configmaps.v1`). */
  group?: string;
}

/** A group-version's resource list, as searched by {@link findByName}. */
export interface GroupVersionList {
  group: string;
  version: string;
  list: ApiResourceList;
}

const VERSION = /^v\d+(?:(?:alpha|beta)\d+)?$/;
const SEGMENT = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const FORMAT =
  'expected <resource>[.<version>][.<group>], e.g. "configmaps", "deployments.apps" or "ingresses.v1.networking.k8s.io"';

/**
 * Parses `<resource>[.<version>][.<group>]` the way kubectl does: the segment after the resource
 * is a version when it looks like one (`v1`, `v2beta1`), else the group starts there. Case-insensitive.
 * Throws an `InvalidConfigError` naming the text when it is malformed.
 */
export function parseResourceName(text: string): ResourceName {
  const lower = text.trim().toLowerCase();
  if (lower === '') throw new InvalidConfigError('resource', `resource "${text}": empty — ${FORMAT}`, text);
  const segments = lower.split('.');
  const bad = segments.findIndex((s) => !SEGMENT.test(s));
  if (bad !== -1) {
    const problem = segments[bad] === '' ? 'empty segment' : `invalid segment "${segments[bad]}"`;
    throw new InvalidConfigError('resource', `resource "${text}": ${problem} — ${FORMAT}`, text);
  }
  const [name, ...rest] = segments as [string, ...string[]];
  if (rest.length === 0) return { text, name };
  if (VERSION.test(rest[0] as string)) {
    return { text, name, version: rest[0] as string, group: rest.slice(1).join('.') };
  }
  return { text, name, group: rest.join('.') };
}

// kubectl's order: plural name, then singular name, then short names, then kind.
const MATCHERS: ((r: ApiResource, name: string) => boolean)[] = [
  (r, n) => r.name === n,
  (r, n) => r.singularName === n,
  (r, n) => r.shortNames?.includes(n) === true,
  (r, n) => r.kind.toLowerCase() === n,
];

/**
 * The top-level resource `name` (lower-case) names in `lists`: a plural match in any list beats a
 * singular match, which beats a short name, which beats a kind; within one kind of match the
 * first list wins (callers put the core group first).
 */
export function findByName(lists: readonly GroupVersionList[], name: string): ResolvedResource | undefined {
  for (const matches of MATCHERS) {
    for (const { group, version, list } of lists) {
      const found = topLevel(list).find((r) => matches(r, name));
      if (found) return toResolved(group, version, found);
    }
  }
  return undefined;
}
