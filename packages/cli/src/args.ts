import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CLI_DEFAULTS } from './cli-defaults';
import { UsageError } from './errors';

/** The `kw` commands. */
export type CommandName = 'watch' | 'inspect' | 'leader';

/** Where to find the cluster: flags shared by every command. */
export interface ConnectionFlags {
  /** `--kubeconfig`; else `KUBECONFIG`, `~/.kube/config` or the in-cluster service account. */
  kubeconfig?: string;
  /** `--context`: a context of the kubeconfig other than its current one. */
  context?: string;
}

/** What to watch: flags shared by `watch` and `inspect`. */
export interface SelectionFlags extends ConnectionFlags {
  /**
   * The resource as typed: `<name>[.<version>][.<group>]` with a plural, singular or short name or
   * a kind (`configmaps`, `cm`, `deployments.apps`); resolved later by `KubeClient.resolveName`.
   */
  resource: string;
  /** `-n`; `undefined` means the kubeconfig's namespace (or all, with `allNamespaces`). */
  namespace?: string;
  /** `-A`. */
  allNamespaces: boolean;
  /** `-l`, server-side. */
  labelSelector?: string;
  /** `--field-selector`, evaluated client-side by the indexer (any field). */
  fieldSelector?: string;
  /** `--index-by`, in key order. */
  indexBy: string[];
  /** `--ignore-field`, added to {@link CLI_DEFAULTS}`.ignoreFields`. */
  ignoreFields: string[];
  /** `--list-mode`. */
  listMode?: 'auto' | 'paginated' | 'streaming';
}

/** `kw watch`. */
export interface WatchCommand extends SelectionFlags {
  command: 'watch';
  store: 'memory' | 'cached';
  /** One key list per `--get`, each possibly partial. */
  gets: string[][];
  debounceMs: number;
  metadataOnly: boolean;
  once: boolean;
  /** `--metrics-port` (and `--metrics-host`): serve `/metrics`, `/readyz`, `/livez` while watching. */
  metrics?: { host: string; port: number };
  /** `--shard i/n`: hold shard `index` of `count` (a static share of the uid hash space). */
  shard?: { index: number; count: number };
  /** `--ring <name>`: dynamic membership on the Leases of this shard ring. */
  ring?: string;
  /** `--identity`: this replica's ring identity (default `<hostname>-<pid>`). */
  identity?: string;
}

/** `kw inspect`. */
export interface InspectCommand extends SelectionFlags {
  command: 'inspect';
}

/** `kw leader`. */
export interface LeaderCommand extends ConnectionFlags {
  command: 'leader';
  lease: string;
  namespace?: string;
  identity?: string;
}

/** Print help (of one command, or overall), or the version. */
export type InfoCommand = { command: 'help'; topic?: CommandName } | { command: 'version' };

/** A parsed `kw` command line. */
export type ParsedCommand = WatchCommand | InspectCommand | LeaderCommand | InfoCommand;

type Options = NonNullable<ParseArgsConfig['options']>;

const CONNECTION_OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies Options;

const SELECTION_OPTIONS = {
  ...CONNECTION_OPTIONS,
  namespace: { type: 'string', short: 'n' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  selector: { type: 'string', short: 'l' },
  'field-selector': { type: 'string' },
  'index-by': { type: 'string', multiple: true },
  'ignore-field': { type: 'string', multiple: true },
  'list-mode': { type: 'string' },
} satisfies Options;

const COMMAND_OPTIONS = {
  watch: {
    ...SELECTION_OPTIONS,
    store: { type: 'string' },
    get: { type: 'string', multiple: true },
    debounce: { type: 'string' },
    'metadata-only': { type: 'boolean' },
    once: { type: 'boolean' },
    'metrics-port': { type: 'string' },
    'metrics-host': { type: 'string' },
    shard: { type: 'string' },
    ring: { type: 'string' },
    identity: { type: 'string' },
  },
  inspect: SELECTION_OPTIONS,
  leader: {
    ...CONNECTION_OPTIONS,
    namespace: { type: 'string', short: 'n' },
    identity: { type: 'string' },
  },
} satisfies Record<CommandName, Options>;

const ALL_OPTIONS: Options = {
  ...COMMAND_OPTIONS.watch,
  ...COMMAND_OPTIONS.leader,
  version: { type: 'boolean', short: 'V' },
};

function isCommandName(value: string): value is CommandName {
  return Object.hasOwn(COMMAND_OPTIONS, value);
}

/**
 * Parses `kw`'s arguments (without `node` and the script) into a command. Flags may come before
 * or after the command and its positional argument. Throws a {@link UsageError} naming the
 * offending flag or value.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  // First pass, lenient: find the command among the positionals, skipping flag values.
  const scan = parseArgs({
    args: [...argv],
    options: ALL_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const commandToken = scan.tokens.find((t) => t.kind === 'positional');
  if (commandToken === undefined) {
    if (scan.values.version === true) return { command: 'version' };
    if (scan.values.help === true || argv.length === 0) return { command: 'help' };
    const flag = scan.tokens.find((t) => t.kind === 'option');
    throw new UsageError(
      `missing command${flag ? ` before "${flag.rawName}"` : ''} — use watch, inspect or leader`,
      argv,
    );
  }
  const name = commandToken.value;
  if (name === 'help') {
    const topic = scan.tokens.filter((t) => t.kind === 'positional')[1]?.value;
    return topic !== undefined && isCommandName(topic) ? { command: 'help', topic } : { command: 'help' };
  }
  if (!isCommandName(name)) {
    throw new UsageError(`unknown command "${name}" — use watch, inspect or leader (see kw --help)`, name);
  }
  const rest = argv.filter((_, i) => i !== commandToken.index);
  let parsed: { values: Values; positionals: string[] };
  try {
    const options: Options = COMMAND_OPTIONS[name];
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${name}: ${describeParseError(error)} (see kw ${name} --help)`, rest, name);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { command: 'help', topic: name };
  const connection = connectionFlags(values);
  if (name === 'leader') {
    const lease = onePositional(name, positionals, 'lease name');
    return {
      command: 'leader',
      lease,
      ...connection,
      ...optionalString('namespace', values.namespace),
      ...optionalString('identity', values.identity),
    };
  }
  const selection = selectionFlags(name, values, onePositional(name, positionals, 'resource'));
  if (name === 'inspect') return { command: 'inspect', ...connection, ...selection };
  const storeValue = stringValue(values.store) ?? (values['metadata-only'] === true ? 'cached' : CLI_DEFAULTS.store);
  if (storeValue !== 'memory' && storeValue !== 'cached') {
    throw new UsageError(`watch: --store "${storeValue}": expected "memory" or "cached"`, storeValue, name);
  }
  if (values['metadata-only'] === true && storeValue !== 'cached') {
    throw new UsageError(
      'watch: --metadata-only needs --store cached (a memory store would hold metadata only, no bodies)',
      storeValue,
      name,
    );
  }
  const gets = stringList(values.get).map((text) => parseKeys(text, selection.indexBy));
  const metrics = parseMetrics(stringValue(values['metrics-port']), stringValue(values['metrics-host']));
  const shardText = stringValue(values.shard);
  const ring = stringValue(values.ring);
  if (shardText !== undefined && ring !== undefined) {
    throw new UsageError(
      `watch: --shard "${shardText}" and --ring "${ring}" exclude each other — a ring assigns the shard`,
      shardText,
      name,
    );
  }
  if (values.identity !== undefined && ring === undefined) {
    throw new UsageError('watch: --identity needs --ring (it names this replica in the ring)', values.identity, name);
  }
  if (ring !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ring)) {
    throw new UsageError(`watch: --ring "${ring}": expected a DNS label (lowercase letters, digits, "-")`, ring, name);
  }
  return {
    command: 'watch',
    ...connection,
    ...selection,
    store: storeValue,
    gets,
    debounceMs: parseDebounce(stringValue(values.debounce)),
    metadataOnly: values['metadata-only'] === true,
    once: values.once === true,
    ...(metrics === undefined ? {} : { metrics }),
    ...(shardText === undefined ? {} : { shard: parseShard(shardText) }),
    ...(ring === undefined ? {} : { ring }),
    ...optionalString('identity', values.identity),
  };
}

function parseMetrics(port: string | undefined, host: string | undefined): WatchCommand['metrics'] {
  if (port === undefined) {
    if (host !== undefined) {
      throw new UsageError(`watch: --metrics-host "${host}" needs --metrics-port`, host, 'watch');
    }
    return undefined;
  }
  const number = Number(port);
  if (port.trim() === '' || !Number.isInteger(number) || number < 0 || number > 65535) {
    throw new UsageError(
      `watch: --metrics-port "${port}": expected a port number 0-65535 (0 picks a free one)`,
      port,
      'watch',
    );
  }
  if (host === '') throw new UsageError('watch: --metrics-host needs an address, e.g. 0.0.0.0', host, 'watch');
  return { host: host ?? CLI_DEFAULTS.metricsHost, port: number };
}

/** `--shard i/n`: shard `i` (0-based) of `n`. */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new UsageError(
      `watch: --shard "${text}": expected <index>/<count> with 0 ≤ index < count, e.g. 0/3 for the first of three shards`,
      text,
      'watch',
    );
  }
  return { index, count };
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function stringValue(value: Values[string]): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringList(value: Values[string]): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

function optionalString<K extends string>(key: K, value: Values[string]): { [P in K]?: string } {
  const text = stringValue(value);
  return (text === undefined ? {} : { [key]: text }) as { [P in K]?: string };
}

function connectionFlags(values: Values): ConnectionFlags {
  return { ...optionalString('kubeconfig', values.kubeconfig), ...optionalString('context', values.context) };
}

function onePositional(command: CommandName, positionals: string[], what: string): string {
  if (positionals.length === 0)
    throw new UsageError(`${command}: missing ${what} (see kw ${command} --help)`, positionals, command);
  if (positionals.length > 1) {
    throw new UsageError(
      `${command}: expected one ${what}, got ${positionals.map((p) => `"${p}"`).join(' ')}`,
      positionals,
      command,
    );
  }
  return positionals[0] as string;
}

function selectionFlags(
  command: CommandName,
  values: Values,
  resource: string,
): Omit<SelectionFlags, keyof ConnectionFlags> {
  const namespace = stringValue(values.namespace);
  const allNamespaces = values['all-namespaces'] === true;
  if (namespace !== undefined && allNamespaces) {
    throw new UsageError(`${command}: -n "${namespace}" and -A exclude each other`, namespace, command);
  }
  if (namespace === '') throw new UsageError(`${command}: -n needs a namespace name`, namespace, command);
  const listMode = stringValue(values['list-mode']);
  if (listMode !== undefined && listMode !== 'auto' && listMode !== 'paginated' && listMode !== 'streaming') {
    throw new UsageError(
      `${command}: --list-mode "${listMode}": expected auto, paginated or streaming`,
      listMode,
      command,
    );
  }
  const indexBy = stringList(values['index-by']);
  return {
    resource,
    ...(namespace === undefined ? {} : { namespace }),
    allNamespaces,
    ...optionalString('labelSelector', values.selector),
    ...optionalString('fieldSelector', values['field-selector']),
    indexBy: indexBy.length > 0 ? indexBy : [...CLI_DEFAULTS.indexBy],
    ignoreFields: stringList(values['ignore-field']),
    ...(listMode === undefined ? {} : { listMode }),
  };
}

/** Splits a `--get` value into keys: `ns,name` → `['ns', 'name']`; at most one key per `--index-by`. */
export function parseKeys(text: string, indexBy: readonly string[]): string[] {
  const keys = text.split(',');
  if (keys.length > indexBy.length) {
    throw new UsageError(
      `watch: --get "${text}" has ${keys.length} keys but objects are indexed by ${indexBy.length} (${indexBy.join(', ')}) — give at most ${indexBy.length}, comma-separated`,
      text,
      'watch',
    );
  }
  return keys;
}

function parseDebounce(text: string | undefined): number {
  if (text === undefined) return CLI_DEFAULTS.debounceMs;
  const ms = Number(text.endsWith('ms') ? text.slice(0, -2) : text);
  if (!Number.isInteger(ms) || ms < 0) {
    throw new UsageError(
      `watch: --debounce "${text}": expected a whole number of milliseconds, e.g. 500`,
      text,
      'watch',
    );
  }
  return ms;
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // node:util messages are long and mention parseArgs internals; keep the first sentence.
  const first = message.split('. ')[0] ?? message;
  return first.replace(/^Unknown option '(.+)'$/, 'unknown flag "$1"');
}
