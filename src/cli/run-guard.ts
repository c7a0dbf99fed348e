/**
 * While a command runs, a migration's own code shares this process: it can call
 * `process.exit`, leave a promise rejecting unhandled, throw from a timer, or await a promise
 * that nothing will ever settle. Unguarded, each ends strata without a word (exit 0, a raw
 * stack trace, or Node's exit 13) with the migration half done. The guard turns each into a
 * failure of the run, so the migration in flight is rolled back (or left dirty) and strata
 * says which one it was.
 */

/** What a guard reports: the first thing that went wrong outside the run's own promise chain. */
export class ProcessCrash extends Error {}

export interface RunGuard {
  /** The first crash seen while the command ran, or null. */
  readonly crash: ProcessCrash | null;
  /** Exits for real (a second signal must still exit at once). */
  readonly exit: (code: number) => never;
  /** Puts back process.exit and removes the listeners. */
  dispose(): void;
}

export function guardRun(onCrash: (crash: ProcessCrash) => void): RunGuard {
  const realExit = process.exit.bind(process);
  let crash: ProcessCrash | null = null;
  const report = (next: ProcessCrash) => {
    if (crash) return;
    crash = next;
    onCrash(next);
  };
  // Called from the migration's own call chain, the throw fails that migration like any
  // error would (with its file and line); called from a timer, it arrives as an uncaught exception.
  process.exit = ((code?: number | string | null) => {
    throw new ProcessCrash(`process.exit(${code ?? ''}) was called while a migration ran; strata stops the run instead of exiting`);
  }) as typeof process.exit;
  const onUncaught = (error: unknown) => {
    report(error instanceof ProcessCrash ? error : new ProcessCrash(`an uncaught exception: ${describe(error)}`, { cause: error }));
  };
  const onUnhandled = (reason: unknown) => {
    report(new ProcessCrash(`a promise rejected and nothing awaited it: ${describe(reason)}`, { cause: reason }));
  };
  // The event loop ran empty while the command still runs: a migration awaits a promise
  // that nothing is left to settle (Node would exit 13 without a word).
  const onBeforeExit = () => {
    report(new ProcessCrash('a migration awaits a promise that can never settle (nothing is left running that could settle it)'));
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
  process.on('beforeExit', onBeforeExit);
  return {
    get crash() {
      return crash;
    },
    exit: realExit,
    dispose() {
      process.exit = realExit;
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUnhandled);
      process.off('beforeExit', onBeforeExit);
    },
  };
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message.replace(/\s+/g, ' ').trim() || value.name;
  return String(value);
}
