import { spawnSync } from 'node:child_process';

/**
 * Finds a Go toolchain: `$KW_GO`, then `go` on PATH, then /usr/local/go/bin/go.
 * Throws with install advice when none runs.
 */
export function findGo(): string {
  const candidates = [process.env.KW_GO, 'go', '/usr/local/go/bin/go'].filter(
    (c): c is string => c !== undefined && c !== '',
  );
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new Error(
    `kube-local: no Go toolchain found (tried ${candidates.join(', ')}). ` +
      'Install Go >= 1.26 (https://go.dev/dl/) or set KW_GO to the go binary.',
  );
}
