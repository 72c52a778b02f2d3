import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './args';
import { CLI_DEFAULTS } from './cli-defaults';
import { UsageError } from './errors';

function usageError(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('parses --shard i/n into a static shard', () => {
    expect(parseCommandLine(['watch', 'cm', '-A', '--shard', '1/3'])).toMatchObject({ shard: { index: 1, count: 3 } });
  });

  it('parses --ring with an identity', () => {
    const parsed = parseCommandLine(['watch', 'cm', '--ring', 'cm-cache', '--identity', 'replica-1']);
    expect(parsed).toMatchObject({ ring: 'cm-cache', identity: 'replica-1' });
    expect(parsed).not.toHaveProperty('shard');
  });

  it.each([['3/3'], ['1/0'], ['1'], ['a/b']])('rejects --shard %s naming the value', (text) => {
    expect(usageError(['watch', 'cm', '--shard', text]).message).toContain(`--shard "${text}"`);
  });

  it('rejects --shard with --ring, --identity without --ring, and a ring name that is no DNS label', () => {
    expect(usageError(['watch', 'cm', '--shard', '0/2', '--ring', 'r']).message).toMatch(/exclude each other/);
    expect(usageError(['watch', 'cm', '--identity', 'x']).message).toMatch(/--identity needs --ring/);
    expect(usageError(['watch', 'cm', '--ring', 'My_Ring']).message).toMatch(/--ring "My_Ring"/);
  });

  it('parses watch with every flag', () => {
    const parsed = parseCommandLine([
      'watch',
      'ingresses.v1.networking.k8s.io',
      '-n',
      'kw-demo',
      '-l',
      'app=web',
      '--field-selector',
      'spec.ingressClassName=nginx',
      '--index-by',
      'metadata.namespace',
      '--index-by',
      "metadata.labels['app']",
      '--ignore-field',
      'spec.rules',
      '--store',
      'cached',
      '--get',
      'kw-demo',
      '--get',
      'kw-demo,web',
      '--debounce',
      '250',
      '--once',
      '--kubeconfig',
      '/tmp/kc',
      '--context',
      'dev',
    ]);
    expect(parsed).toEqual({
      command: 'watch',
      resource: 'ingresses.v1.networking.k8s.io',
      namespace: 'kw-demo',
      allNamespaces: false,
      labelSelector: 'app=web',
      fieldSelector: 'spec.ingressClassName=nginx',
      indexBy: ['metadata.namespace', "metadata.labels['app']"],
      ignoreFields: ['spec.rules'],
      store: 'cached',
      gets: [['kw-demo'], ['kw-demo', 'web']],
      debounceMs: 250,
      metadataOnly: false,
      once: true,
      kubeconfig: '/tmp/kc',
      context: 'dev',
    });
  });

  it('applies the defaults: namespace+name keys, memory store, default debounce', () => {
    const parsed = parseCommandLine(['watch', 'configmaps']);
    expect(parsed).toMatchObject({
      command: 'watch',
      indexBy: [...CLI_DEFAULTS.indexBy],
      store: 'memory',
      debounceMs: CLI_DEFAULTS.debounceMs,
      gets: [],
      once: false,
      allNamespaces: false,
    });
    expect(parsed).not.toHaveProperty('namespace');
  });

  it('accepts global flags before the command', () => {
    expect(parseCommandLine(['--kubeconfig', 'watch', 'watch', 'cm', '-A'])).toMatchObject({
      command: 'watch',
      kubeconfig: 'watch',
      resource: 'cm',
      allNamespaces: true,
    });
  });

  it('chooses the cached store for --metadata-only', () => {
    expect(parseCommandLine(['watch', 'pods', '--metadata-only'])).toMatchObject({
      store: 'cached',
      metadataOnly: true,
    });
  });

  it('rejects --metadata-only with the memory store', () => {
    expect(usageError(['watch', 'pods', '--metadata-only', '--store', 'memory']).message).toContain('--store cached');
  });

  it('parses inspect and leader', () => {
    expect(parseCommandLine(['inspect', 'deployments.apps', '-A'])).toMatchObject({
      command: 'inspect',
      resource: 'deployments.apps',
      allNamespaces: true,
    });
    expect(parseCommandLine(['leader', 'my-lock', '-n', 'ops', '--identity', 'me'])).toEqual({
      command: 'leader',
      lease: 'my-lock',
      namespace: 'ops',
      identity: 'me',
    });
  });

  it('returns help and version requests', () => {
    expect(parseCommandLine([])).toEqual({ command: 'help' });
    expect(parseCommandLine(['--help'])).toEqual({ command: 'help' });
    expect(parseCommandLine(['--version'])).toEqual({ command: 'version' });
    expect(parseCommandLine(['watch', '--help'])).toEqual({ command: 'help', topic: 'watch' });
    expect(parseCommandLine(['help', 'leader'])).toEqual({ command: 'help', topic: 'leader' });
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['watch'], 'missing resource'],
    [['watch', 'a', 'b'], 'expected one resource, got "a" "b"'],
    [['watch', 'cm', '--bogus'], 'unknown flag "--bogus"'],
    [['watch', 'cm', '-n', 'a', '-A'], '-n "a" and -A exclude each other'],
    [['watch', 'cm', '--store', 'disk'], '--store "disk"'],
    [['watch', 'cm', '--debounce', 'soon'], '--debounce "soon"'],
    [['watch', 'cm', '--list-mode', 'fast'], '--list-mode "fast"'],
    [['watch', 'cm', '--get', 'a,b,c'], '--get "a,b,c" has 3 keys but objects are indexed by 2'],
    [['inspect', 'cm', '--once'], 'unknown flag "--once"'],
    [['leader'], 'missing lease name'],
    [['--kubeconfig', 'x'], 'missing command before "--kubeconfig"'],
  ])('rejects %j naming the problem', (argv, expected) => {
    const error = usageError(argv);
    expect(error.message).toContain(expected);
    expect(error.code).toBe('KW_INVALID_CONFIG');
  });

  it('accepts a partial --get key list', () => {
    expect(parseCommandLine(['watch', 'cm', '--get', 'ns1'])).toMatchObject({ gets: [['ns1']] });
  });

  it('accepts --debounce with an ms suffix', () => {
    expect(parseCommandLine(['watch', 'cm', '--debounce', '0ms'])).toMatchObject({ debounceMs: 0 });
  });

  it('parses --metrics-port on loopback by default, and --metrics-host', () => {
    expect(parseCommandLine(['watch', 'cm', '--metrics-port', '0'])).toMatchObject({
      metrics: { host: '127.0.0.1', port: 0 },
    });
    expect(parseCommandLine(['watch', 'cm', '--metrics-port', '9090', '--metrics-host', '0.0.0.0'])).toMatchObject({
      metrics: { host: '0.0.0.0', port: 9090 },
    });
    expect(parseCommandLine(['watch', 'cm'])).not.toHaveProperty('metrics');
  });

  it('rejects a --metrics-port that is not a port, and --metrics-host alone, naming the value', () => {
    expect(usageError(['watch', 'cm', '--metrics-port', '70000']).message).toBe(
      'watch: --metrics-port "70000": expected a port number 0-65535 (0 picks a free one)',
    );
    expect(usageError(['watch', 'cm', '--metrics-port', 'http']).value).toBe('http');
    expect(usageError(['watch', 'cm', '--metrics-host', '0.0.0.0']).message).toBe(
      'watch: --metrics-host "0.0.0.0" needs --metrics-port',
    );
  });
});
