import type { KubeObject, KwErrorShape, ObjectId } from '@kw/types';
import { KwError } from './internal/kw-error';

/** One body a read could not fetch. */
export interface ReadFailure {
  /** The object's identity (`namespace/name` or `name`). */
  readonly id: ObjectId;
  /** What the fetcher rejected with (a typed `@kw/client` error, e.g. `KW_FORBIDDEN`). */
  readonly error: unknown;
}

/**
 * A `get` or `list` fetched some bodies but not all (code `KW_PARTIAL_READ`): `objects` holds
 * what was read, in the read's order, `failures` each body that was not. Every fetch of the read
 * has settled when it rejects; `cause` is the first failure's error. Retrying the read fetches
 * only the failed bodies (the others are cached, within `maxEntries`).
 */
export class PartialReadError<T extends KubeObject = KubeObject> extends KwError implements KwErrorShape {
  declare readonly code: 'KW_PARTIAL_READ';
  /** The objects that were read. */
  readonly objects: T[];
  /** The bodies that could not be fetched. */
  readonly failures: readonly ReadFailure[];

  constructor(what: string, objects: T[], failures: readonly ReadFailure[]) {
    const first = failures[0];
    const firstError = first?.error as { code?: unknown; message?: unknown } | undefined;
    super(
      'KW_PARTIAL_READ',
      `${what}: ${failures.length} of ${failures.length + objects.length} bodies could not be fetched (first: ${first?.id} ${String(firstError?.code ?? '')} ${String(firstError?.message ?? firstError)}) — error.objects holds the ${objects.length} read, error.failures the rest; retry the read, or check the fetcher's access to them`,
      { value: failures.map((f) => f.id), cause: first?.error },
    );
    this.objects = objects;
    this.failures = failures;
  }
}

/** A read was cancelled by its own `signal` or the store's (code `KW_ABORTED`); `cause` is the signal's reason. */
export class ReadAbortedError extends KwError {
  declare readonly code: 'KW_ABORTED';

  constructor(what: string, reason: unknown) {
    super('KW_ABORTED', `${what} was aborted before its bodies were fetched — the store or the caller cancelled it`, {
      value: reason,
      cause: reason,
    });
  }
}
