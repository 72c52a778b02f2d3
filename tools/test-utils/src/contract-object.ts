import type { KubeObject } from '@kw/types';

/** The objects the contract writes: a ConfigMap-like body whose resourceVersion tells versions apart. */
export interface ContractObject extends KubeObject {
  data: { v: string };
}

/** An object's identity: `namespace/name`, or `name`. */
export const idOf = (o: KubeObject): string =>
  o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata?.name}` : `${o.metadata?.name}`;
/** `id@resourceVersion`, so a sample names the version it saw. */
export const tag = (o: KubeObject): string => `${idOf(o)}@${o.metadata?.resourceVersion}`;
/** {@link tag} of each object, in order. */
export const tags = (objs: readonly KubeObject[]): string[] => objs.map(tag);
/** {@link tag} of each object, sorted: a state independent of order. */
export const sorted = (objs: readonly KubeObject[]): string[] => tags(objs).sort();

let versions = 0;
/** A new body for `name` (in `namespace` when given), with a resourceVersion never used before. */
export function obj(name: string, namespace?: string): ContractObject {
  const rv = String(++versions);
  const metadata = namespace === undefined ? { name, resourceVersion: rv } : { name, namespace, resourceVersion: rv };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { v: rv } };
}
