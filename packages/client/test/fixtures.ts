import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedResource, WatchEvent } from '@kw/types';
import type { Clock } from '../src/index';

export const configMaps: ResolvedResource = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  verbs: ['get', 'list', 'watch'],
};
export const leases: ResolvedResource = {
  ...configMaps,
  group: 'coordination.k8s.io',
  resource: 'leases',
  kind: 'Lease',
};
export const nodes: ResolvedResource = { ...configMaps, resource: 'nodes', kind: 'Node', namespaced: false };

export const coreDiscovery = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    {
      name: 'configmaps',
      singularName: 'configmap',
      namespaced: true,
      kind: 'ConfigMap',
      verbs: ['get', 'list', 'watch'],
      shortNames: ['cm'],
    },
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'] },
    { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: ['get', 'list', 'watch'] },
  ],
};
export const leaseDiscovery = {
  kind: 'APIResourceList',
  groupVersion: 'coordination.k8s.io/v1',
  resources: [
    {
      name: 'leases',
      singularName: 'lease',
      namespaced: true,
      kind: 'Lease',
      verbs: ['get', 'list', 'watch', 'update'],
    },
  ],
};

/** Collects every batch of a watch. */
export async function collect<T extends WatchEvent>(iterable: AsyncIterable<T[]>): Promise<T[][]> {
  const batches: T[][] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

/** A clock whose time moves only on `advance`; `fireEarly` runs pending timers without moving it. */
export class ManualClock implements Clock {
  #now = 0;
  #next = 1;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): number {
    const handle = this.#next++;
    this.#timers.set(handle, { at: this.#now + ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** When the pending timers are due, in creation order. */
  get pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at);
  }

  /** Moves time forward by `ms` and runs the timers then due. */
  advance(ms: number): void {
    this.#now += ms;
    for (const [handle, timer] of [...this.#timers]) {
      if (timer.at > this.#now) continue;
      this.#timers.delete(handle);
      timer.callback();
    }
  }

  /** Runs every pending timer now, as a timer firing early would. */
  fireEarly(): void {
    for (const [handle, timer] of [...this.#timers]) {
      this.#timers.delete(handle);
      timer.callback();
    }
  }
}

/** Writes a node script to `dir` that prints an ExecCredential holding `token` (a kubeconfig `exec` plugin); returns its path. */
export function writeExecPlugin(dir: string, token: string): string {
  const path = join(dir, 'plugin.mjs');
  const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } };
  writeFileSync(path, `process.stdout.write(${JSON.stringify(JSON.stringify(credential))});\n`);
  return path;
}

/** Writes a one-context kubeconfig (JSON, which is YAML) to `path`: `cluster`, and `user` under `userName`; returns `path`. */
export function writeKubeconfig(
  path: string,
  entries: { cluster: Record<string, unknown>; userName: string; user: Record<string, unknown>; namespace?: string },
): string {
  const { cluster, userName, user, namespace } = entries;
  const context = { cluster: 'c', user: userName, ...(namespace === undefined ? {} : { namespace }) };
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster }],
      users: [{ name: userName, user }],
      contexts: [{ name: 'c', context }],
      'current-context': 'c',
    }),
  );
  return path;
}
