/**
 * Calls etcd's v3 JSON gateway (POST `<clientUrl>/v3/<path>`) and returns the parsed
 * response, throwing with etcd's message on a non-2xx answer.
 */
export async function etcdGateway<T>(clientUrl: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${clientUrl}/v3/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`kube-local: etcd ${path} failed with HTTP ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Current etcd revision (header.revision of a range request). */
export async function etcdRevision(clientUrl: string): Promise<number> {
  const key = Buffer.from('/kube-local/revision-probe').toString('base64');
  const res = await etcdGateway<{ header?: { revision?: string } }>(clientUrl, 'kv/range', { key, count_only: true });
  const revision = Number(res.header?.revision);
  if (!Number.isSafeInteger(revision) || revision <= 0) {
    throw new Error(`kube-local: etcd returned no usable revision: ${JSON.stringify(res)}`);
  }
  return revision;
}

/**
 * Compacts etcd at its current revision (physically), so any older resourceVersion that
 * the apiserver has to read from etcd answers 410 Gone. Returns the compacted revision.
 */
export async function compactEtcdAt(clientUrl: string): Promise<number> {
  const revision = await etcdRevision(clientUrl);
  await etcdGateway(clientUrl, 'kv/compaction', { revision: String(revision), physical: true });
  return revision;
}
