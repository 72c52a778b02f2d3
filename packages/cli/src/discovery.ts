import { ApisApi, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1APIResourceList } from '@kubernetes/client-node';
import type { ResolvedResource } from '@kw/types';
import { KwError, UnknownResourceError } from './errors';
import type { ResourceRef } from './resource-ref';

/** An API group as discovery lists it; the core group is `''`. */
export interface ApiGroupInfo {
  name: string;
  /** Served versions, preferred first. */
  versions: string[];
}

/** One top-level resource of a group-version, as discovery lists it. */
export interface ApiResourceInfo {
  name: string;
  singularName?: string | undefined;
  shortNames?: string[] | undefined;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

/** The two discovery reads resource resolution needs; {@link kubeDiscovery} implements them over HTTP. */
export interface Discovery {
  /** Every served group, the core group first. */
  groups(): Promise<ApiGroupInfo[]>;
  /** The resources of one group-version; subresources (`pods/log`) may be included. */
  resources(group: string, version: string): Promise<ApiResourceInfo[]>;
}

/** A discovery read was refused (401/403) or failed; `code` tells which. */
export class DiscoveryError extends KwError {}

/** {@link Discovery} over `/api`, `/apis` and `/apis/<group>/<version>` with `@kubernetes/client-node`. */
export function kubeDiscovery(kubeConfig: KubeConfig): Discovery {
  const apis = kubeConfig.makeApiClient(ApisApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  return {
    async groups() {
      const list = await discoveryCall('/apis', () => apis.getAPIVersions());
      const groups = list.groups.map((g) => {
        const preferred = g.preferredVersion?.version;
        const versions = g.versions.map((v) => v.version);
        return {
          name: g.name,
          versions: preferred === undefined ? versions : [preferred, ...versions.filter((v) => v !== preferred)],
        };
      });
      return [{ name: '', versions: ['v1'] }, ...groups];
    },
    async resources(group, version) {
      const list: V1APIResourceList =
        group === ''
          ? await discoveryCall(`/api/${version}`, () => core.getAPIResources())
          : await discoveryCall(`/apis/${group}/${version}`, () => custom.getAPIResources({ group, version }));
      return list.resources;
    },
  };
}

async function discoveryCall<T>(path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = (error as { code?: unknown }).code;
    if (status === 401) {
      throw new DiscoveryError(
        'KW_UNAUTHORIZED',
        `GET ${path}: 401 Unauthorized — the kubeconfig's credentials were rejected`,
        path,
        { cause: error },
      );
    }
    if (status === 403) {
      throw new DiscoveryError(
        'KW_FORBIDDEN',
        `GET ${path}: 403 Forbidden — this identity may not read API discovery`,
        path,
        { cause: error },
      );
    }
    const detail = typeof status === 'number' ? `HTTP ${status}` : (error as Error).message.split('\n')[0];
    throw new DiscoveryError('KW_NETWORK', `GET ${path} failed: ${detail}`, path, { cause: error });
  }
}

type Matcher = (r: ApiResourceInfo, name: string) => boolean;

// kubectl's order: plural name, then singular name, then short names, then kind.
const MATCHERS: Matcher[] = [
  (r, n) => r.name === n,
  (r, n) => r.singularName === n,
  (r, n) => r.shortNames?.includes(n) === true,
  (r, n) => r.kind.toLowerCase() === n,
];

/**
 * Resolves a command-line resource through discovery: fills in the group (core first, then the
 * server's order) and the preferred version, and accepts singular and short names.
 * Throws an {@link UnknownResourceError} naming the text when nothing matches.
 */
export async function resolveResourceRef(ref: ResourceRef, discovery: Discovery): Promise<ResolvedResource> {
  const groups = await discovery.groups();
  const candidates = ref.group === undefined ? groups : groups.filter((g) => g.name === ref.group);
  if (candidates.length === 0) {
    throw new UnknownResourceError(
      `unknown resource "${ref.text}": the server has no API group "${ref.group}" — check the spelling (kubectl api-versions lists them)`,
      ref.text,
    );
  }
  if (ref.version !== undefined && !candidates.some((g) => g.versions.includes(ref.version as string))) {
    const served = candidates.flatMap((g) => g.versions).join(', ');
    throw new UnknownResourceError(
      `unknown resource "${ref.text}": API group "${ref.group || 'core'}" does not serve version "${ref.version}" — it serves ${served}`,
      ref.text,
    );
  }
  // Preferred versions first; other served versions only when those do not have it.
  const rounds: { group: string; version: string }[][] =
    ref.version !== undefined
      ? [
          candidates
            .filter((g) => g.versions.includes(ref.version as string))
            .map((g) => ({ group: g.name, version: ref.version as string })),
        ]
      : [
          candidates.flatMap((g) => (g.versions[0] === undefined ? [] : [{ group: g.name, version: g.versions[0] }])),
          candidates.flatMap((g) => g.versions.slice(1).map((version) => ({ group: g.name, version }))),
        ];
  for (const round of rounds) {
    // Aggregated APIs may be unavailable (503): skip them rather than fail the lookup.
    const lists = await Promise.all(
      round.map(async (gv) => ({
        ...gv,
        resources: await discovery.resources(gv.group, gv.version).catch(rethrowAccess),
      })),
    );
    for (const matches of MATCHERS) {
      for (const list of lists) {
        const found = list.resources.find((r) => !r.name.includes('/') && matches(r, ref.name));
        if (found) {
          return {
            group: list.group,
            version: list.version,
            resource: found.name,
            kind: found.kind,
            namespaced: found.namespaced,
            verbs: [...found.verbs],
          };
        }
      }
    }
  }
  const where = ref.group === undefined ? '' : ` in API group "${ref.group || 'core'}"`;
  throw new UnknownResourceError(
    `unknown resource "${ref.text}": the server serves no resource named "${ref.name}"${where} (plural, singular or short name) — kubectl api-resources lists them`,
    ref.text,
  );
}

function rethrowAccess(error: unknown): ApiResourceInfo[] {
  const code = (error as { code?: unknown }).code;
  if (code === 'KW_FORBIDDEN' || code === 'KW_UNAUTHORIZED') throw error;
  return [];
}
