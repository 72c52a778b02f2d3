/**
 * What a release-check run found, and how it is printed: headed steps, PASS/FAIL/SKIP lines,
 * scenario rows (one cell per Node major) and the closing summary tables. One `Report` per run.
 */

/** The outcome of one cell of a table. */
export type Status = 'pass' | 'fail' | 'skip' | 'n/a';

/** One cell: its status and, optionally, why. */
export interface Cell {
  status: Status;
  detail?: string;
}

/** One scenario line of the summary: a cell per column (Node major). */
export interface ScenarioRow {
  scenario: string;
  cells: Map<string, Cell>;
}

/** Collects failures, skips, notes and scenario rows, and prints progress as it goes. */
export class Report {
  readonly #started = Date.now();
  readonly failures: string[] = [];
  readonly skips: string[] = [];
  readonly notes: string[] = [];
  readonly rows: ScenarioRow[] = [];

  /** Prints a step heading with the seconds since the run started. */
  heading(text: string): void {
    console.log(`\n== [${this.elapsedSeconds().padStart(4)} s] ${text} ${'='.repeat(Math.max(3, 86 - text.length))}`);
  }

  /** Prints one indented progress line. */
  info(line: string): void {
    console.log(`   ${line}`);
  }

  /** Records and prints a failure: the run exits 1. */
  fail(message: string): void {
    this.failures.push(message);
    console.log(`   FAIL ${message}`);
  }

  /** Records and prints something not verified (not a failure, but listed loudly at the end). */
  skip(message: string): void {
    this.skips.push(message);
    console.log(`   SKIP ${message}`);
  }

  /** Records a note for the summary (e.g. an ExperimentalWarning). */
  note(message: string): void {
    this.notes.push(message);
  }

  /** Adds a scenario row to the summary and returns it for its cells. */
  row(scenario: string): ScenarioRow {
    const r: ScenarioRow = { scenario, cells: new Map() };
    this.rows.push(r);
    return r;
  }

  /** Marks the given columns of a row skipped, and lists it loudly. */
  skipRow(r: ScenarioRow, reason: string, columns: readonly string[]): void {
    for (const c of columns) r.cells.set(c, { status: 'skip', detail: reason });
    this.skip(`${r.scenario}: ${reason}`);
  }

  /** Whole seconds since the run started, as text. */
  elapsedSeconds(): string {
    return ((Date.now() - this.#started) / 1000).toFixed(0);
  }

  /** Prints the scenario table, notes, skips and the verdict; returns the exit code (1 on any failure). */
  finish(columns: readonly string[]): number {
    if (this.rows.length > 0) {
      console.log('\nScenarios:\n');
      console.log(
        table(
          ['scenario', ...columns.map((c) => `node ${c}`)],
          this.rows.map((r) => [r.scenario, ...columns.map((c) => cellText(r.cells.get(c)))]),
        ),
      );
    }
    if (this.notes.length > 0) {
      console.log('\nNotes:');
      for (const n of [...new Set(this.notes)]) console.log(`  - ${n}`);
    }
    if (this.skips.length > 0) {
      console.log(`\n!!! ${this.skips.length} SKIPPED (not failures, but NOT verified):`);
      for (const s of this.skips) console.log(`  - ${s}`);
    }
    const seconds = this.elapsedSeconds();
    if (this.failures.length > 0) {
      console.log(`\nRELEASE CHECK FAILED: ${this.failures.length} failure(s) in ${seconds} s:`);
      for (const f of this.failures) console.log(`  - ${f.split('\n')[0]}`);
      return 1;
    }
    const skipped = this.skips.length > 0 ? ` (with ${this.skips.length} skipped)` : '';
    console.log(`\nrelease check passed in ${seconds} s${skipped}`);
    return 0;
  }
}

/** A Markdown table with padded columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Bytes as `12.3 kB` or `4.5 MB` (1024-based). */
export function kb(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A cell's status in capitals, `-` when absent. */
export function cellText(cell: Cell | undefined): string {
  return cell === undefined ? '-' : cell.status.toUpperCase();
}
