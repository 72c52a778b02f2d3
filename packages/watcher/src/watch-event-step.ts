import type { KubeObject, WatchEvent } from '@kw/types';
import { WatchStreamError } from './errors';
import type { WatchStep } from './watch-step';

/** The annotation on the bookmark that ends a streaming list's initial events. */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/**
 * The step for a watch event other than a bookmark: during a streaming list's initial events
 * (`listing`) an `ADDED` is a listed object and anything else means the server ignored
 * `sendInitialEvents`; afterwards `ADDED`/`MODIFIED` apply and `DELETED` deletes.
 */
export function stepOf<T extends KubeObject>(event: WatchEvent<T>, listing: boolean): WatchStep<T> {
  switch (event.type) {
    case 'ADDED':
      return { type: listing ? 'initApply' : 'apply', obj: event.object };
    case 'MODIFIED':
    case 'DELETED':
      if (listing) throw streamingIgnored(`a ${event.type} event`);
      return { type: event.type === 'MODIFIED' ? 'apply' : 'delete', obj: event.object };
    default:
      throw new WatchStreamError(
        'KW_DECODE',
        `unexpected watch event type ${JSON.stringify((event as { type: unknown }).type)} — the KubeApi must throw ERROR events as typed errors`,
        event,
      );
  }
}

/** Whether a bookmark ends a streaming list's initial events. */
export function endsInitialEvents(bookmark: KubeObject): boolean {
  return bookmark.metadata?.annotations?.[INITIAL_EVENTS_END] === 'true';
}

/** The server ignored `sendInitialEvents`: a rejected request (in `auto` mode: use paginated LIST from now on). */
export function streamingIgnored(what: string): WatchStreamError {
  return new WatchStreamError(
    'KW_BAD_REQUEST',
    `the server ignored sendInitialEvents: it sent ${what} before the initial-events-end bookmark`,
    undefined,
  );
}
