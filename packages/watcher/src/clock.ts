import type { Clock } from '@kw/types';

/** The default {@link Clock}: `performance.now()`, read at each call so fake timers control it. */
export const monotonicClock: Clock = { now: () => performance.now() };
