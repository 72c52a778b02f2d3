import type { KubeClient } from '@kw/client';
import { Indexer } from '@kw/indexer';
import type { Instrumentation, ResolvedResource } from '@kw/types';
import type { SelectionFlags } from './args';
import { connect } from './connection';
import { InvalidFlagError, UsageError } from './errors';
import type { Io } from './io';
import type { ErrorContext } from './report-error';

/** Everything `watch` and `inspect` need once the flags are checked and the resource is resolved. */
export interface Selection {
  client: KubeClient;
  resource: ResolvedResource;
  /** `undefined`: all namespaces, or a cluster-scoped resource. */
  namespace: string | undefined;
  indexer: Indexer;
  /** `ingresses.networking.k8s.io in namespace "kw-demo"`, for messages. */
  label: string;
}

/** What {@link openSelection} builds the indexer from. */
export interface SelectionOptions {
  ignoreFields: readonly string[];
  metadataOnly?: boolean;
  /** Cancels resource resolution (Ctrl-C). */
  signal?: AbortSignal;
  /** Handed to the client (`--metrics-port`). */
  instrumentation?: Instrumentation;
}

/**
 * Validates the index expressions and field selector (before touching the cluster), loads the
 * kubeconfig, resolves the resource name through discovery (`KubeClient.resolveName`) and picks the namespace: `-A` all, `-n`,
 * else the context's. Records the client's identity in `context` for error messages. The caller
 * closes `client`.
 */
export async function openSelection(
  flags: SelectionFlags,
  options: SelectionOptions,
  io: Io,
  context: ErrorContext,
): Promise<Selection> {
  const indexer = createIndexer(flags, options.ignoreFields);
  if (options.metadataOnly === true && !indexer.metadataOnly) {
    throw new UsageError(
      `--metadata-only: every --index-by, --ignore-field and --field-selector must read only metadata.* (got --index-by ${flags.indexBy.join(', ')}${flags.fieldSelector === undefined ? '' : `, --field-selector ${flags.fieldSelector}`})`,
      flags.indexBy,
      'watch',
    );
  }
  const client = connect(
    flags,
    io.env,
    options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation },
  );
  context.identity = client.identity;
  try {
    const resource = await client.resolveName(flags.resource, options.signal);
    const verbs = ['list', 'watch'].filter((v) => !resource.verbs.includes(v));
    if (verbs.length > 0) {
      throw new UsageError(
        `resource "${flags.resource}" (${formatGroupResource(resource)}) does not support ${verbs.join(' and ')} — kw needs both`,
        flags.resource,
      );
    }
    const namespace =
      !resource.namespaced || flags.allNamespaces ? undefined : (flags.namespace ?? client.defaultNamespace);
    const scope = !resource.namespaced
      ? '(cluster-scoped)'
      : namespace === undefined
        ? 'in all namespaces'
        : `in namespace "${namespace}"`;
    return { client, resource, namespace, indexer, label: `${formatGroupResource(resource)} ${scope}` };
  } catch (error) {
    client.close();
    throw error;
  }
}

/** `deployments.apps`, `configmaps`: how kubectl and RBAC messages name a resource. */
function formatGroupResource(resource: { resource: string; group: string }): string {
  return resource.group === '' ? resource.resource : `${resource.resource}.${resource.group}`;
}

/** The indexer for the flags; its errors re-worded to name the flag (`--index-by "a..b": ...`). */
function createIndexer(flags: SelectionFlags, ignoreFields: readonly string[]): Indexer {
  try {
    return new Indexer({
      indexBy: flags.indexBy,
      ignoreFields,
      ...(flags.fieldSelector === undefined ? {} : { fieldSelector: flags.fieldSelector }),
      mutate: true,
    });
  } catch (error) {
    const { code, option, expression, problem, selector, term } = error as {
      code?: string;
      option?: string;
      expression?: string;
      problem?: string;
      selector?: string;
      term?: string;
    };
    if (code === 'KW_INVALID_JSONPATH' && expression !== undefined && problem !== undefined) {
      const flag = option?.startsWith('ignoreFields') ? '--ignore-field' : '--index-by';
      throw new InvalidFlagError(code, `${flag} ${JSON.stringify(expression)}: ${problem}`, expression, error);
    }
    if (code === 'KW_INVALID_FIELD_SELECTOR' && selector !== undefined && term !== undefined && problem !== undefined) {
      throw new InvalidFlagError(
        code,
        `--field-selector ${JSON.stringify(selector)}: term ${JSON.stringify(term)}: ${problem}`,
        selector,
        error,
      );
    }
    throw error;
  }
}
