/**
 * Waiting on something a signal must not wait for (a connect attempt to a server that never
 * answers, a code migration's promise that never settles): the caller gets an AbortError as
 * soon as the signal aborts. The work itself cannot be called off; what it yields late is
 * handed to `discard` (e.g. to close a connection nobody will use).
 */
import { AbortError, StrataError } from './errors.js';

export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, message?: string, discard?: (late: T) => void): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolvePromise, reject) => {
    // A reason that is one of strata's failures (a migration's deadline) is that failure; anything else is a stop.
    const onAbort = () => reject(signal.reason instanceof StrataError ? signal.reason : new AbortError(message));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) discard?.(value);
        else resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // After the abort, nobody awaits this any more: its failure has no one left to tell.
        if (!signal.aborted) reject(error);
      },
    );
  });
}
