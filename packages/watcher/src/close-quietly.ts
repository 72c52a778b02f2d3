/** Closes an iterator that is abandoned mid-stream, ignoring how it fails (it may already be closed). */
export function closeQuietly(iterator: AsyncIterator<unknown> | undefined): void {
  try {
    iterator?.return?.().catch(() => {});
  } catch {
    // an iterator that throws synchronously from return() is already closed
  }
}
