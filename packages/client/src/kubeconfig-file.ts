import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { load } from 'js-yaml';

/** A `clusters[]` entry of a kubeconfig; file paths are absolute (relative ones resolve against the file's folder). */
export interface KubeconfigCluster {
  name: string;
  /** `server`, without a trailing `/`. */
  server: string;
  certificateAuthority: string | undefined;
  /** `certificate-authority-data`: base64 PEM. */
  certificateAuthorityData: string | undefined;
  insecureSkipTlsVerify: boolean;
  tlsServerName: string | undefined;
  proxyUrl: string | undefined;
  /** The `cluster` object as written (paths made absolute), for `@kubernetes/client-node`. */
  raw: Record<string, unknown>;
}

/** A `users[]` entry of a kubeconfig; file paths are absolute. */
export interface KubeconfigUser {
  name: string;
  token: string | undefined;
  /** `tokenFile` (client-go) or `token-file` (client-node): read per request, re-read at most once a minute. */
  tokenFile: string | undefined;
  clientCertificate: string | undefined;
  clientCertificateData: string | undefined;
  clientKey: string | undefined;
  clientKeyData: string | undefined;
  username: string | undefined;
  password: string | undefined;
  /** `as`: the user to impersonate (`Impersonate-User`). */
  as: string | undefined;
  /** `exec` or `auth-provider` when the user has one: its credentials then come from `@kubernetes/client-node`. */
  plugin: 'exec' | 'auth-provider' | undefined;
  /** The `user` object as written (paths made absolute), for `@kubernetes/client-node`. */
  raw: Record<string, unknown>;
}

/** A `contexts[]` entry of a kubeconfig. */
export interface KubeconfigContext {
  name: string;
  cluster: string;
  user: string | undefined;
  namespace: string | undefined;
}

/** A parsed kubeconfig, or several merged: entries by name, first definition first. */
export interface Kubeconfig {
  clusters: KubeconfigCluster[];
  users: KubeconfigUser[];
  contexts: KubeconfigContext[];
  currentContext: string | undefined;
  /** The files it was read from, in merge order. */
  files: string[];
}

/** Reads and parses the kubeconfig at `path`; throws the fs or YAML error, or a message naming the malformed entry. */
export function readKubeconfig(path: string): Kubeconfig {
  return parseKubeconfig(readFileSync(path, 'utf8'), path);
}

/**
 * Parses kubeconfig YAML (or JSON) read from `path`, with client-node's checks and messages
 * (`clusters[0].cluster.server is missing`); relative paths resolve against `path`'s folder.
 */
export function parseKubeconfig(text: string, path: string): Kubeconfig {
  // An empty file is an empty kubeconfig (client-go); js-yaml 5 rejects empty input.
  const doc: unknown = text.trim() === '' ? null : load(text);
  if (doc !== null && doc !== undefined && !isRecord(doc)) throw new Error('the kubeconfig is not a YAML mapping');
  const root = isRecord(doc) ? doc : {};
  const dir = dirname(path);
  const current = root['current-context'];
  return {
    clusters: entries(root.clusters).map((entry, i) => parseCluster(entry, i, dir)),
    users: entries(root.users).map((entry, i) => parseUser(entry, i, dir)),
    contexts: entries(root.contexts).map((entry, i) => parseContext(entry, i)),
    currentContext: typeof current === 'string' && current !== '' ? current : undefined,
    files: [path],
  };
}

/**
 * Merges kubeconfigs as client-go does for a `KUBECONFIG` list: the first file that defines a
 * cluster, user or context name wins, and the first non-empty `current-context` wins.
 */
export function mergeKubeconfigs(configs: readonly Kubeconfig[]): Kubeconfig {
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  return {
    clusters: firstByName(configs.map((c) => c.clusters)),
    users: firstByName(configs.map((c) => c.users)),
    contexts: firstByName(configs.map((c) => c.contexts)),
    currentContext: configs.find((c) => c.currentContext !== undefined)?.currentContext,
    files: configs.flatMap((c) => c.files),
  };
}

function parseCluster(entry: Record<string, unknown>, i: number, dir: string): KubeconfigCluster {
  const name = requiredName(entry, 'clusters', i);
  const cluster = entry.cluster;
  if (!isRecord(cluster)) throw new Error(`clusters[${i}].cluster is missing`);
  const server = cluster.server;
  if (typeof server !== 'string' || server === '') throw new Error(`clusters[${i}].cluster.server is missing`);
  const raw = withAbsolutePaths(cluster, ['certificate-authority'], dir);
  return {
    name,
    server: server.replace(/\/$/, ''),
    certificateAuthority: optionalString(raw, 'certificate-authority', `clusters[${i}]`),
    certificateAuthorityData: optionalString(raw, 'certificate-authority-data', `clusters[${i}]`),
    insecureSkipTlsVerify: raw['insecure-skip-tls-verify'] === true,
    tlsServerName: optionalString(raw, 'tls-server-name', `clusters[${i}]`),
    proxyUrl: optionalString(raw, 'proxy-url', `clusters[${i}]`),
    raw,
  };
}

function parseUser(entry: Record<string, unknown>, i: number, dir: string): KubeconfigUser {
  const name = requiredName(entry, 'users', i);
  const user = isRecord(entry.user) ? entry.user : {};
  const raw = withAbsolutePaths(user, ['client-certificate', 'client-key', 'tokenFile', 'token-file'], dir);
  const at = `users[${i}]`;
  return {
    name,
    token: optionalString(raw, 'token', at),
    tokenFile: optionalString(raw, 'tokenFile', at) ?? optionalString(raw, 'token-file', at),
    clientCertificate: optionalString(raw, 'client-certificate', at),
    clientCertificateData: optionalString(raw, 'client-certificate-data', at),
    clientKey: optionalString(raw, 'client-key', at),
    clientKeyData: optionalString(raw, 'client-key-data', at),
    username: optionalString(raw, 'username', at),
    password: optionalString(raw, 'password', at),
    as: optionalString(raw, 'as', at),
    plugin: isRecord(raw.exec) ? 'exec' : isRecord(raw['auth-provider']) ? 'auth-provider' : undefined,
    raw,
  };
}

function parseContext(entry: Record<string, unknown>, i: number): KubeconfigContext {
  const name = requiredName(entry, 'contexts', i);
  const context = entry.context;
  if (!isRecord(context)) throw new Error(`contexts[${i}].context is missing`);
  const cluster = context.cluster;
  if (typeof cluster !== 'string' || cluster === '') throw new Error(`contexts[${i}].context.cluster is missing`);
  return {
    name,
    cluster,
    user: optionalString(context, 'user', `contexts[${i}]`) || undefined,
    namespace: optionalString(context, 'namespace', `contexts[${i}]`) || undefined,
  };
}

function entries(list: unknown): Record<string, unknown>[] {
  return Array.isArray(list) ? list.map((item) => (isRecord(item) ? item : {})) : [];
}

function requiredName(entry: Record<string, unknown>, list: string, i: number): string {
  const name = entry.name;
  if (typeof name !== 'string' || name === '') throw new Error(`${list}[${i}].name is missing`);
  return name;
}

function optionalString(object: Record<string, unknown>, key: string, at: string): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`${at} ${key} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function withAbsolutePaths(object: Record<string, unknown>, keys: string[], dir: string): Record<string, unknown> {
  const copy = { ...object };
  for (const key of keys) {
    const value = copy[key];
    if (typeof value === 'string' && value !== '' && !isAbsolute(value)) copy[key] = join(dir, value);
  }
  return copy;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
