/** A stream `kw` writes to: `process.stdout`/`process.stderr` fit; tests pass collectors. */
export interface OutputStream {
  write(text: string): unknown;
  /** True for a terminal: progress bars and in-place status lines; plain lines otherwise. */
  isTTY?: boolean;
  /** Terminal width, characters. */
  columns?: number;
}

/** Where a command writes and what it reads from its environment. */
export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Readonly<Record<string, string | undefined>>;
}

/** Writes `line` plus a newline. */
export function writeLine(stream: OutputStream, line: string): void {
  stream.write(`${line}\n`);
}

/** Erases the current terminal line (TTY only). */
export const CLEAR_LINE = '\r\x1b[2K';
