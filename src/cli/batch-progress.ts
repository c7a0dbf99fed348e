/**
 * Progress of `db.batch` walks (§10) on stderr: a bar (cli-progress) on a TTY, else a line
 * when a walk starts and then every few seconds. Nothing with --quiet; never on stdout, so
 * `--json` keeps stdout to its one document.
 */
import type { StrataEvent } from '../index.js';
import type { Output } from './output.js';

type BatchEvent = Extract<StrataEvent, { type: 'batch-progress' }>;
type Bar = import('cli-progress').SingleBar;

/** How often a line is written when stderr is not a terminal. */
const LINE_EVERY_MS = 5000;

export class BatchProgress {
  private bar: Bar | null = null;
  private barName: string | null = null;
  /** cli-progress is loaded on the first walk: most runs never batch. */
  private library: Promise<typeof import('cli-progress')> | null = null;
  private loaded: typeof import('cli-progress') | null = null;
  private lastLine = new Map<string, number>();

  constructor(
    private readonly out: Output,
    private readonly tty = process.stderr.isTTY === true,
  ) {}

  update(event: BatchEvent): void {
    if (this.out.quiet) return;
    if (this.tty) this.render(event);
    else this.line(event);
  }

  /** A migration ended: its bars go. */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
    this.barName = null;
  }

  private render(event: BatchEvent): void {
    if (!this.loaded) {
      this.library ??= import('cli-progress').then((m) => (this.loaded = (m as { default?: typeof import('cli-progress') }).default ?? m));
      return;
    }
    const total = Math.max(event.total ?? event.done, event.done);
    const payload = { name: event.name, rate: event.rowsPerSecond.toLocaleString('en-US'), left: timeLeft(event.etaMs) };
    if (this.barName !== event.name) {
      this.stop();
      this.bar = new this.loaded.SingleBar({
        stream: process.stderr,
        format: '{name} [{bar}] {percentage}% | {value}/{total} rows (estimate) | {rate} rows/s | {left}',
        hideCursor: false,
        clearOnComplete: true,
      }, this.loaded.Presets.shades_classic);
      this.bar.start(total, event.done, payload);
      this.barName = event.name;
      return;
    }
    this.bar!.setTotal(total);
    this.bar!.update(event.done, payload);
  }

  private line(event: BatchEvent): void {
    const now = Date.now();
    const last = this.lastLine.get(event.name);
    if (last !== undefined && now - last < LINE_EVERY_MS) return;
    this.lastLine.set(event.name, now);
    const of = event.total === null ? '' : ` of about ${event.total.toLocaleString('en-US')}`;
    this.out.note(`strata: ${event.version} ${event.name}: batch ${event.batch}, ${event.done.toLocaleString('en-US')} rows${of} done, ${event.rowsPerSecond.toLocaleString('en-US')} rows/s, ${timeLeft(event.etaMs)}`);
  }
}

function timeLeft(etaMs: number | null): string {
  if (etaMs === null) return 'time left unknown';
  const seconds = Math.round(etaMs / 1000);
  if (seconds < 60) return `about ${seconds} s left`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `about ${minutes} min left` : `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}
