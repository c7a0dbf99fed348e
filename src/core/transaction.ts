import type { Transactor } from './ports/index.js';

/**
 * Runs `work` in one transaction on the run's connection: commit on success, roll back on
 * any error (which is rethrown). `durable: false` is passed to Driver.begin.
 */
export async function inTransaction(driver: Transactor, work: () => Promise<void>, options?: { durable?: boolean }): Promise<void> {
  await driver.begin(options);
  try {
    await work();
    await driver.commit();
  } catch (error) {
    if (driver.inTransaction) await driver.rollback();
    throw error;
  }
}
