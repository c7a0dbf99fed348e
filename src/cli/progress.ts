/** A progress line on stderr, only on a TTY and only for runs longer than a second. */
import type { Output } from './output.js';

export class Progress {
  private readonly started = Date.now();
  private shown = false;
  constructor(private readonly out: Output) {}

  update(index: number, total: number, text: string): void {
    if (this.out.quiet || !process.stderr.isTTY || Date.now() - this.started < 1000) return;
    process.stderr.write(`\r\u001b[2K[${index + 1}/${total}] ${text}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\u001b[2K');
    this.shown = false;
  }

  done(): void {
    this.clear();
  }
}
