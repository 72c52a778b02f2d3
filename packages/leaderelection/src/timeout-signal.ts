/** An AbortSignal whose timer can be cleared. */
export type DisposableSignal = AbortSignal & { dispose(): void };

/** An AbortSignal that aborts after `ms` (on the global timers, so fake timers drive it); `dispose()` clears its timer. */
export function timeoutSignal(ms: number): DisposableSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), ms);
  return Object.assign(controller.signal, { dispose: () => clearTimeout(timer) });
}
