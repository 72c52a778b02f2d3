import type { CommandName } from './args';
import { CLI_DEFAULTS } from './cli-defaults';

const CONNECTION = `connection:
      --kubeconfig <path>      kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)
      --context <name>         kubeconfig context (default: its current-context)`;

const SELECTION = `selection:
  -n, --namespace <ns>         namespace (default: the context's namespace)
  -A, --all-namespaces         every namespace
  -l, --selector <selector>    label selector, server-side ("app=web,tier!=db")
      --field-selector <sel>   field selector, client-side on any field ("spec.ingressClassName=nginx")
      --index-by <jsonpath>    index key expression, repeatable, in key order
                               (default: ${CLI_DEFAULTS.indexBy.join(', ')})
      --ignore-field <path>    drop a field before storing, repeatable (always dropped:
                               managedFields, the last-applied-configuration annotation)
      --list-mode <mode>       initial load: auto, paginated or streaming (default: auto)`;

const EXIT_CODES = `exit codes: 0 ok (also after Ctrl-C), 1 failure, 2 usage/configuration error
            (bad flag, JSONPath, field selector, unknown resource, kubeconfig), 3 forbidden/unauthorized
set KW_DEBUG=1 for stack traces.`;

const USAGE: Record<CommandName | 'kw', string> = {
  kw: `kw — watch Kubernetes resources into a local index and look them up fast

usage:
  kw watch <resource> [flags]     sync, answer --get lookups, then print live change stats
  kw inspect <resource> [flags]   sync once and report sizes, key cardinality and a store choice
  kw leader <lease> [flags]       join a lease election and print its transitions
  kw help <command> | kw <command> --help | kw --version

<resource> is <plural>[.<version>][.<group>] (configmaps, deployments.apps,
ingresses.v1.networking.k8s.io); singular and short names work too (cm, deploy).

examples:
  kw watch configmaps -n kube-system --get kube-system
  kw watch ingresses.networking.k8s.io -A --index-by "metadata.labels['app']" --get web --once
  kw inspect pods -A
  kw leader my-controller -n default

${EXIT_CODES}`,
  watch: `usage: kw watch <resource> [flags]

Lists the resource into a local store (progress on stderr), prints the sync time and object
count, answers each --get lookup, then prints debounced change stats until Ctrl-C.

${SELECTION}
watch:
      --store <memory|cached>  memory holds objects; cached holds keys and fetches bodies on
                               lookup (default: ${CLI_DEFAULTS.store}; cached with --metadata-only)
      --get <key,key,...>      look up by index keys after sync, repeatable; fewer keys than
                               --index-by expressions is a prefix lookup
      --debounce <ms>          quiet time before a change line (default: ${CLI_DEFAULTS.debounceMs})
      --metadata-only          watch metadata only (needs index keys on metadata, --store cached)
      --once                   exit after sync and lookups
      --metrics-port <port>    serve /metrics (Prometheus), /readyz and /livez on this port
                               while watching; 0 picks a free port (the URL is printed)
      --metrics-host <host>    interface of the metrics server (default: ${CLI_DEFAULTS.metricsHost})
sharding (hold a share of the collection, split by the FNV-1a 64 hash of metadata.uid;
filtered by the API server with ShardedListAndWatch, else by kw; the status line says which):
      --shard <i>/<n>          hold shard i (0-based) of n equal shares, e.g. 0/3
      --ring <name>            join the shard ring <name> (Leases in the watch's namespace, else
                               the context's) and hold this replica's share as members come and go
      --identity <id>          this replica's name in the ring (default: <hostname>-<pid>)
${CONNECTION}

examples:
  kw watch ingresses.v1.networking.k8s.io -n kw-demo \\
    --index-by metadata.namespace --index-by "metadata.labels['app']" --get kw-demo,web
  kw watch configmaps -A --shard 1/3
  kw watch configmaps -n team-a --ring cm-cache

${EXIT_CODES}`,
  inspect: `usage: kw inspect <resource> [flags]

Syncs once, then prints the object count, sync time, key cardinality per --index-by
expression, JSON bytes per object with and without the default field filtering, and which
store fits (cached above ${CLI_DEFAULTS.largeObjectBytes / 1024} KB per object or ${CLI_DEFAULTS.largeTotalBytes / 1024 / 1024} MB in total, memory otherwise).

${SELECTION}
${CONNECTION}

example:
  kw inspect configmaps -A --index-by "metadata.labels['app']"

${EXIT_CODES}`,
  leader: `usage: kw leader <lease> [flags]

Joins the leader election of the Lease <lease> and prints each transition (new leader,
started/stopped leading) until Ctrl-C, then releases the lease if it holds it.

leader:
  -n, --namespace <ns>         namespace of the Lease (default: the context's namespace)
      --identity <id>          this candidate's identity (default: <hostname>-<pid>)
${CONNECTION}

${EXIT_CODES}`,
};

/** The help text of `kw` or one of its commands. */
export function helpText(topic?: CommandName): string {
  return `${USAGE[topic ?? 'kw']}\n`;
}
