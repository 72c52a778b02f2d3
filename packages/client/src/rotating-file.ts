import { readFileSync } from 'node:fs';
import type { Clock } from '@kw/types';

/** How long a {@link RotatingFile}'s contents are reused before the file is read again, ms (client-node's and client-go's token-file period). */
export const ROTATING_FILE_MAX_AGE_MS = 60_000;

/**
 * A credential file that may be replaced while the client runs (a projected service-account token,
 * a renewed client certificate): {@link read} returns the contents read at most
 * {@link ROTATING_FILE_MAX_AGE_MS} ago, else reads the file again. A failed read throws and is
 * retried on the next call.
 */
export class RotatingFile {
  readonly path: string;
  readonly #clock: Clock;
  #contents: Buffer | undefined;
  #readAt = 0;

  constructor(path: string, clock: Clock) {
    this.path = path;
    this.#clock = clock;
  }

  /** The file's contents, re-read when the cached copy is a minute old (or there is none). */
  read(): Buffer {
    const now = this.#clock.now();
    if (this.#contents === undefined || now - this.#readAt >= ROTATING_FILE_MAX_AGE_MS) {
      this.#contents = readFileSync(this.path);
      this.#readAt = now;
    }
    return this.#contents;
  }
}
