import { describe, expect, it } from 'vitest';
import { EXIT_CODES, type Io, run } from './index';

function collect(env: Record<string, string | undefined> = {}): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: {
      write: (text: string) => {
        out += text;
      },
    },
    stderr: {
      write: (text: string) => {
        err += text;
      },
    },
    env,
    out: () => out,
    err: () => err,
  };
}

describe('run', () => {
  it('prints the version', async () => {
    const io = collect();
    expect(await run(['--version'], { io })).toBe(EXIT_CODES.ok);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('prints overall and per-command help', async () => {
    const io = collect();
    expect(await run(['--help'], { io })).toBe(EXIT_CODES.ok);
    expect(io.out()).toContain('kw watch <resource> [flags]');
    const watch = collect();
    expect(await run(['watch', '--help'], { io: watch })).toBe(EXIT_CODES.ok);
    expect(watch.out()).toContain('--get <key,key,...>');
  });

  it('reports a usage error as one line with exit code 2', async () => {
    const io = collect();
    expect(await run(['watch', 'cm', '--store', 'disk'], { io })).toBe(EXIT_CODES.usage);
    expect(io.err()).toBe('kw: watch: --store "disk": expected "memory" or "cached"\n');
    expect(io.out()).toBe('');
  });

  it('reports a taken --metrics-port as a usage error before touching the cluster', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const io = collect({ KUBECONFIG: '/nonexistent' });
    try {
      expect(await run(['watch', 'cm', '--metrics-port', String(port)], { io })).toBe(EXIT_CODES.usage);
    } finally {
      taken.close();
    }
    expect(io.err()).toBe(
      `kw: watch: --metrics-port ${port}: cannot listen on 127.0.0.1 (EADDRINUSE) — choose a free port, or 0 for any\n`,
    );
  }, 20_000); // the first watch command loads the client, watcher and prom-client: slow on a loaded machine

  it('reports a bad JSONPath naming the flag before touching the cluster', async () => {
    const io = collect({ KUBECONFIG: '/nonexistent' });
    expect(await run(['watch', 'cm', '--index-by', 'metadata..name'], { io })).toBe(EXIT_CODES.usage);
    expect(io.err()).toBe(
      'kw: --index-by "metadata..name": empty segment after "metadata." — did you mean "metadata.name"?\n',
    );
  });

  it('adds the stack with KW_DEBUG=1', async () => {
    const io = collect({ KUBECONFIG: '/nonexistent/config', KW_DEBUG: '1' });
    expect(await run(['watch', 'cm'], { io })).toBe(EXIT_CODES.usage);
    const [first, ...rest] = io.err().split('\n');
    expect(first).toBe('kw: KUBECONFIG "/nonexistent/config": no such file — check the path');
    expect(rest.join('\n')).toMatch(/KubeconfigError: .*\n\s+at /);
  });
});
