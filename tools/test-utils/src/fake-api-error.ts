import type { ApiErrorShape, KwErrorCode } from '@kw/types';

/** An error shaped like the ones `@kw/client` throws. */
export class FakeApiError extends Error implements ApiErrorShape {
  readonly code: KwErrorCode;
  readonly status: number;
  readonly verb: string;
  readonly resource = 'configmaps';
  readonly namespace = undefined;
  readonly apiStatus = undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: KwErrorCode, status: number, verb = 'list', retryAfterSeconds?: number, reason?: string) {
    super(`${verb} failed: ${code} (${status}${reason === undefined ? '' : ` ${reason}`})`);
    this.code = code;
    this.status = status;
    this.verb = verb;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A watch `ERROR` event as the client throws it: a typed error (`KW_GONE` for 410, `KW_BAD_REQUEST` for 400). */
export const errorEvent = (status: 400 | 410, reason: string): FakeApiError =>
  new FakeApiError(status === 410 ? 'KW_GONE' : 'KW_BAD_REQUEST', status, 'watch', undefined, reason);
