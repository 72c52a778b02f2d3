import { UsageError } from './errors';

/** A resource as typed on the command line, before discovery: `deployments.apps`, `ingresses.v1.networking.k8s.io`, `cm`. */
export interface ResourceRef {
  /** The text as given. */
  text: string;
  /** Plural, singular, short name or kind, lower-cased: `deployments`, `deploy`, `deployment`. */
  name: string;
  /** The API version when given (`v1`, `v1beta1`). */
  version?: string;
  /** The API group when given; `''` for the core group (`configmaps.v1`). */
  group?: string;
}

const VERSION = /^v\d+(?:(?:alpha|beta)\d+)?$/;
const SEGMENT = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const FORMAT =
  'expected <resource>[.<version>][.<group>], e.g. "configmaps", "deployments.apps" or "ingresses.v1.networking.k8s.io"';

/**
 * Parses `<resource>[.<version>][.<group>]` the way kubectl does: the segment after the
 * resource is a version when it looks like one (`v1`, `v2beta1`), else the group starts there.
 * Throws a {@link UsageError} naming the text when it is malformed.
 */
export function parseResourceRef(text: string): ResourceRef {
  const lower = text.trim().toLowerCase();
  if (lower === '') throw new UsageError(`resource "${text}": empty — ${FORMAT}`, text);
  const segments = lower.split('.');
  const bad = segments.findIndex((s) => !SEGMENT.test(s));
  if (bad !== -1) {
    const problem = segments[bad] === '' ? 'empty segment' : `invalid segment "${segments[bad]}"`;
    throw new UsageError(`resource "${text}": ${problem} — ${FORMAT}`, text);
  }
  const [name, ...rest] = segments as [string, ...string[]];
  if (rest.length === 0) return { text, name };
  if (VERSION.test(rest[0] as string)) {
    return { text, name, version: rest[0] as string, group: rest.slice(1).join('.') };
  }
  return { text, name, group: rest.join('.') };
}

/** Formats a group/resource the way kubectl and RBAC messages do: `deployments.apps`, `configmaps`. */
export function formatGroupResource(resource: { resource: string; group: string }): string {
  return resource.group === '' ? resource.resource : `${resource.resource}.${resource.group}`;
}
