import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { cleanEnv, run, tail } from './proc.ts';

/** The control plane the scenarios run against. */
export interface ControlPlane {
  server: string;
  adminKubeconfigPath: string;
  adminToken: string;
  caPath: string;
  /** Whether this run started it (and so stops it). */
  startedHere: boolean;
  /** Stops it when this run started it; a no-op otherwise. */
  stop(): Promise<void>;
}

interface StateFile {
  server: string;
  adminKubeconfigPath: string;
  adminToken: string;
  caPath: string;
}

async function kubeLocal(repo: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  return run(process.execPath, [join(repo, 'tools', 'kube-local', 'src', 'cli.ts'), ...args], {
    cwd: repo,
    env,
    timeoutMs,
  });
}

async function fromEnvCommand(repo: string, env: NodeJS.ProcessEnv): Promise<StateFile> {
  const result = await kubeLocal(repo, ['env'], env, 30_000);
  const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(result.stdout)?.[1];
  if (result.code !== 0 || kubeconfig === undefined) throw new Error(`kube-local env failed:\n${tail(result.stderr)}`);
  // state.json sits next to the admin kubeconfig, in the cluster's run folder.
  return JSON.parse(await readFile(join(dirname(kubeconfig), 'state.json'), 'utf8')) as StateFile;
}

/**
 * Reuses the kube-local cluster that is running (default run folder), or starts a private one
 * in `runDir` (inside this run's temp folder, so no other process adopts it) and stops it in
 * `stop()`.
 */
export async function ensureControlPlane(
  repo: string,
  runDir: string,
  log: (line: string) => void,
): Promise<ControlPlane> {
  const shared = cleanEnv();
  const status = await kubeLocal(repo, ['status'], shared, 60_000);
  if (status.code === 0) {
    const state = await fromEnvCommand(repo, shared);
    log(`reusing the running kube-local cluster at ${state.server}`);
    return { ...state, startedHere: false, stop: async () => {} };
  }
  log(`no healthy shared kube-local cluster (status exit ${status.code}); starting a private one in ${runDir}`);
  const own = cleanEnv({ KW_KUBE_LOCAL_RUN_DIR: runDir });
  const up = await kubeLocal(repo, ['up'], own, 900_000);
  if (up.code !== 0) throw new Error(`kube-local up failed (exit ${up.code}):\n${tail(up.stderr + up.stdout)}`);
  const state = await fromEnvCommand(repo, own);
  log(`kube-local cluster up at ${state.server}`);
  return {
    ...state,
    startedHere: true,
    stop: async () => {
      const down = await kubeLocal(repo, ['down'], own, 60_000);
      if (down.code !== 0) log(`WARNING: kube-local down failed (exit ${down.code}): ${tail(down.stderr, 5)}`);
    },
  };
}

/** One admin request to the API server; resolves status and parsed body, never rejects on HTTP errors. */
export async function kubeRequest(
  plane: ControlPlane,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const ca = await readFile(plane.caPath);
  const url = new URL(path, plane.server);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        headers: {
          authorization: `Bearer ${plane.adminToken}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function expectOk(plane: ControlPlane, method: string, path: string, body?: unknown): Promise<void> {
  const res = await kubeRequest(plane, method, path, body);
  if (res.status >= 300 && res.status !== 404) {
    throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
}

/** Creates namespace `name` (labelled as release-check's) and the given ConfigMaps in it. */
export async function createNamespace(
  plane: ControlPlane,
  name: string,
  configMaps: { name: string; labels: Record<string, string> }[],
): Promise<void> {
  await expectOk(plane, 'POST', '/api/v1/namespaces', {
    metadata: { name, labels: { 'kw.dev/release-check': 'true' } },
  });
  for (const cm of configMaps) {
    await expectOk(plane, 'POST', `/api/v1/namespaces/${name}/configmaps`, {
      metadata: { name: cm.name, labels: cm.labels },
      data: { owner: 'release-check' },
    });
  }
}

/**
 * Deletes namespace `name` and what scenarios put in it. kube-local runs no namespace controller,
 * so the objects are deleted explicitly and the namespace finalized.
 */
export async function deleteNamespace(plane: ControlPlane, name: string): Promise<void> {
  await expectOk(plane, 'DELETE', `/api/v1/namespaces/${name}/configmaps`);
  await expectOk(plane, 'DELETE', `/apis/coordination.k8s.io/v1/namespaces/${name}/leases`);
  await expectOk(plane, 'DELETE', `/api/v1/namespaces/${name}`);
  await expectOk(plane, 'PUT', `/api/v1/namespaces/${name}/finalize`, { metadata: { name }, spec: { finalizers: [] } });
}
