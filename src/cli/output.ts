/**
 * Rendering: human-readable text by default, or exactly one JSON document on stdout with
 * --json. Errors always go to stderr as one `error:` line plus what to do next.
 */
import { StrataError } from '../index.js';

export interface Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly color: boolean;
  /** stdout line (human mode only). */
  line(text?: string): void;
  /** stderr note (suppressed by --quiet). */
  note(text: string): void;
  /** The one JSON document of a --json run: held until `flushDocument`, at the very end. */
  document(value: unknown): void;
  /** The document held, if any (the CLI may replace it: a signal came after the run ended). */
  readonly heldDocument: unknown;
  /** Writes the held document (or `replacement`), once. */
  flushDocument(replacement?: unknown): void;
}

/**
 * `redact` is applied to every line, note and JSON string value: a password that reached a
 * message (an old log row, a driver's text) is removed on the way out, whatever printed it.
 */
export function createOutput(flags: { json?: boolean; quiet?: boolean; verbose?: boolean }, redact: (text: string) => string = (text) => text): Output {
  const json = flags.json ?? false;
  const quiet = flags.quiet ?? false;
  const color = !json && process.stdout.isTTY === true && !process.env.NO_COLOR;
  // Lines written in one go (status prints 1,000 of them) leave in one write, not 1,000.
  let pending: string[] = [];
  let held: unknown;
  const flush = () => {
    const text = pending.join('');
    pending = [];
    process.stdout.write(text);
  };
  return {
    json,
    quiet,
    verbose: flags.verbose ?? false,
    color,
    line(text = '') {
      if (json || quiet) return;
      if (pending.length === 0) setImmediate(flush);
      pending.push(`${redact(text)}\n`);
    },
    note(text) {
      if (!quiet) process.stderr.write(`${redact(text)}\n`);
    },
    document(value) {
      if (json) held = value;
    },
    get heldDocument() {
      return held;
    },
    flushDocument(replacement) {
      const value = replacement ?? held;
      held = undefined;
      // Redacted value by value, before JSON escapes a quote or backslash of the password.
      if (json && value !== undefined) process.stdout.write(`${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redact(v) : v), 2)}\n`);
    },
  };
}

export function paint(out: Output, code: number, text: string): string {
  return out.color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** The stderr lines of a failure, and the JSON document when --json. */
export function reportError(out: Output, error: unknown, redact: (text: string) => string): void {
  const e = error instanceof StrataError ? error : null;
  const message = redact(e ? e.message : error instanceof Error ? error.message : String(error));
  process.stderr.write(`error: ${message}\n`);
  if (e) {
    for (const problem of e.problems.slice(1, 20)) process.stderr.write(`  - ${redact(problem.message)}\n`);
    if (e.problems.length > 20) process.stderr.write(`  … and ${e.problems.length - 20} more\n`);
    const hint = e.hint ?? defaultHint(e.code);
    if (hint) process.stderr.write(`hint: ${redact(hint)}\n`);
  } else if (!(error instanceof Error) || !('code' in error)) {
    process.stderr.write('hint: this looks like a bug in strata; please report it with the command you ran\n');
  }
  if (out.json) {
    out.document({
      error: {
        code: e?.code ?? 'internal',
        message,
        migration: e?.migration ?? null,
        file: e?.file ?? null,
        line: e?.line ?? null,
        hint: hintOf(e, redact),
        problems: (e?.problems ?? []).map((p) => ({ code: p.code, message: redact(p.message), file: p.file })),
      },
      applied: e?.applied ?? [],
      rolledBack: e?.rolledBack ?? [],
    });
  }
}

/** What to do next, for the errors whose own text leaves it implicit (a bad flag, a bad setting). */
function defaultHint(code: string): string | null {
  if (code === 'usage') return 'run `strata <command> --help` for the options it takes';
  if (code === 'config') return 'fix the setting named above (a flag, strata.config.*, or the environment), then run the command again';
  return null;
}

function hintOf(e: StrataError | null, redact: (text: string) => string): string | null {
  const hint = e ? (e.hint ?? defaultHint(e.code)) : null;
  return hint === null ? null : redact(hint);
}

export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
