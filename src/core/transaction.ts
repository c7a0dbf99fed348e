import { messageOf } from './errors.js';
import type { EventListener } from './events.js';
import type { Transactor } from './ports/index.js';
import type { Redact } from './redact.js';

export interface TransactionOptions {
  /** Passed to Transactor.begin: false when a later durable commit of the same run follows. */
  readonly durable?: boolean;
  /**
   * Told when the ROLLBACK after a failure fails too. The failure is still the error thrown
   * (it is what the user must fix); the rollback's error is said here, never dropped.
   */
  readonly onRollbackError: (error: unknown) => void;
}

/**
 * Runs `work` in one transaction on the run's connection: commit on success, roll back on
 * any error, which is rethrown — also when the rollback fails (that error goes to
 * `onRollbackError`).
 */
export async function inTransaction(driver: Transactor, work: () => Promise<void>, options: TransactionOptions): Promise<void> {
  await driver.begin(options.durable === undefined ? undefined : { durable: options.durable });
  try {
    await work();
    await driver.commit();
  } catch (error) {
    if (driver.inTransaction) {
      try {
        await driver.rollback();
      } catch (rollbackError) {
        options.onRollbackError(rollbackError);
      }
    }
    throw error;
  }
}

/** An `onRollbackError` that says it in a log line, like every cleanup that fails. */
export function rollbackFailed(to: { readonly emit: EventListener; readonly redact: Redact }, version = ''): (error: unknown) => void {
  return (error) => to.emit({ type: 'log', version, message: `could not roll back the transaction: ${to.redact(messageOf(error))}` });
}
