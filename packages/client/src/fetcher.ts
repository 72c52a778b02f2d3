import type { KubeApi, KubeObject, ObjectFetcher, ResolvedResource } from '@kw/types';

/** Options of {@link createFetcher}. */
export interface FetcherOptions {
  /** Fetch `PartialObjectMetadata` (metadata only, no body). Default `false`. */
  metadataOnly?: boolean;
}

/**
 * An {@link ObjectFetcher} for one resolved resource: `GET`s the object through `api`, resolves
 * `undefined` when it does not exist (any error with code `KW_NOT_FOUND`) and rejects with the typed
 * error otherwise. The signal passed to the fetcher cancels the request. Works with any `KubeApi`.
 */
export function createFetcher<T extends KubeObject = KubeObject>(
  api: Pick<KubeApi, 'get'>,
  resource: ResolvedResource,
  options: FetcherOptions = {},
): ObjectFetcher<T> {
  const metadataOnly = options.metadataOnly === true;
  return async (namespace, name, signal) => {
    try {
      return await api.get<T>(
        resource,
        namespace,
        name,
        signal === undefined ? { metadataOnly } : { metadataOnly, signal },
      );
    } catch (error) {
      if ((error as { code?: unknown } | undefined)?.code === 'KW_NOT_FOUND') return undefined;
      throw error;
    }
  };
}
