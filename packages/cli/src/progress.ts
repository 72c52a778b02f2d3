import { formatDuration, plural } from './format';
import { CLEAR_LINE, type OutputStream } from './io';

/** What the initial sync has loaded so far. */
export interface SyncProgress {
  /** Objects in the store. */
  objects: number;
  /** LIST pages received. */
  pages: number;
  /** Expected object count (from a one-item LIST's `remainingItemCount`), when the server told. */
  expected: number | undefined;
  elapsedMs: number;
}

const BAR_WIDTH = 24;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * One progress-bar line for a terminal: a filled bar and percentage when the total is known,
 * a spinner otherwise. `frame` advances the spinner.
 */
export function renderProgressBar(label: string, progress: SyncProgress, frame: number): string {
  const pages = progress.pages > 0 ? `  ${plural(progress.pages, 'page')}` : '';
  const counts = `${progress.objects}${progress.expected === undefined ? '' : `/${progress.expected}`} objects${pages}  ${formatDuration(progress.elapsedMs)}`;
  if (progress.expected === undefined || progress.expected <= 0) {
    return `${SPINNER[frame % SPINNER.length]} syncing ${label}  ${counts}`;
  }
  const ratio = Math.min(1, progress.objects / progress.expected);
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  return `syncing ${label}  ${bar} ${String(Math.floor(ratio * 100)).padStart(3)}%  ${counts}`;
}

/** One plain progress line for logs and pipes. */
export function renderProgressLine(label: string, progress: SyncProgress): string {
  const of = progress.expected === undefined ? '' : ` of ~${progress.expected}`;
  const pages = progress.pages > 0 ? `, ${plural(progress.pages, 'page')}` : '';
  return `kw: syncing ${label}: ${progress.objects}${of} objects${pages}, ${formatDuration(progress.elapsedMs)}`;
}

/** Options of {@link ProgressReporter}. */
export interface ProgressReporterOptions {
  stream: OutputStream;
  label: string;
  /** Reads the current progress; called on every tick. */
  read: () => Promise<SyncProgress>;
  /** Redraw interval on a terminal, ms. */
  ttyIntervalMs: number;
  /** Interval of plain lines otherwise, ms. */
  plainIntervalMs: number;
}

/**
 * Draws the initial-sync progress on stderr until stopped: an in-place bar on a terminal, a
 * plain line every few seconds otherwise. `stop()` erases the bar and clears the timer.
 */
export class ProgressReporter {
  readonly #options: ProgressReporterOptions;
  readonly #tty: boolean;
  #timer: ReturnType<typeof setInterval> | undefined;
  #frame = 0;
  #drawing = false;

  constructor(options: ProgressReporterOptions) {
    this.#options = options;
    this.#tty = options.stream.isTTY === true;
  }

  /** Starts the periodic drawing. */
  start(): void {
    const interval = this.#tty ? this.#options.ttyIntervalMs : this.#options.plainIntervalMs;
    this.#timer = setInterval(() => void this.#draw(), interval);
    this.#timer.unref?.();
    if (this.#tty) void this.#draw();
  }

  /** Stops drawing and erases the bar. Idempotent. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#tty) this.#options.stream.write(CLEAR_LINE);
  }

  async #draw(): Promise<void> {
    if (this.#drawing) return;
    this.#drawing = true;
    try {
      const progress = await this.#options.read();
      if (this.#timer === undefined) return;
      const { stream, label } = this.#options;
      if (this.#tty) {
        const line = renderProgressBar(label, progress, this.#frame++);
        const width = stream.columns ?? 120;
        stream.write(`${CLEAR_LINE}${line.length >= width ? line.slice(0, width - 1) : line}`);
      } else {
        stream.write(`${renderProgressLine(label, progress)}\n`);
      }
    } catch {
      // A failed progress read is not worth reporting; the next tick retries.
    } finally {
      this.#drawing = false;
    }
  }
}
