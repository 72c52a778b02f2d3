/** asctime() form, which carries no zone: HTTP defines it as GMT. */
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Parses an HTTP `Retry-After` value, either delta-seconds (`"5"`) or an HTTP-date in any of the
 * three forms HTTP recipients must accept (`"Wed, 21 Oct 2015 07:28:00 GMT"`, the obsolete
 * `"Wednesday, 21-Oct-15 07:28:00 GMT"` and `"Wed Oct 21 07:28:00 2015"`), into whole seconds from
 * `now` (ms since epoch), rounded up so a caller never retries early.
 * Returns `undefined` for a missing, empty, negative or unparseable value; a past date gives 0.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  // An HTTP-date always starts with a weekday name; reject bare numbers like "-1" or "1.5".
  if (!/^[A-Za-z]{3,9},? /.test(trimmed)) return undefined;
  const at = Date.parse(ASCTIME.test(trimmed) ? `${trimmed} GMT` : trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
