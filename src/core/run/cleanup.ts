/**
 * What a failed run does after the failure (roll back, record progress, restore a setting)
 * may fail too. The run's failure is still the one to throw, but the later error is never
 * dropped: it is said in a log line, with what it left undone.
 */
import { messageOf } from '../errors.js';
import type { RunContext } from './context.js';

export class Cleanup {
  /** Each step that failed, in order. */
  readonly failures: { readonly what: string; readonly error: unknown }[] = [];

  constructor(private readonly ctx: RunContext) {}

  /** Runs `work`; when it fails, says so (`could not <what>: …`) and returns false. */
  async attempt(what: string, work: () => Promise<unknown>, version = ''): Promise<boolean> {
    try {
      await work();
      return true;
    } catch (error) {
      this.failures.push({ what, error });
      this.ctx.emit({ type: 'log', version, message: `could not ${what}: ${this.ctx.redact(messageOf(error))}` });
      return false;
    }
  }
}
