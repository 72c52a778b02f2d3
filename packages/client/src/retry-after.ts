/**
 * Parses an HTTP `Retry-After` value, either delta-seconds (`"5"`) or an HTTP-date
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`), into whole seconds from `now` (ms since epoch).
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
  // An HTTP-date always names a weekday and a month; reject bare numbers like "-1" or "1.5".
  if (!/^[A-Za-z]{3},? /.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
