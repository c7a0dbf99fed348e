/**
 * Which migrations of this run keep checkpoints, so that the commit recording one as finished
 * also removes them, and only then (a migration that never batched costs no round trip).
 */
import type { Driver } from '../ports/index.js';

const kept = new WeakMap<Driver, Set<string>>();
const ensured = new WeakSet<Driver>();

export function markCheckpointed(driver: Driver, version: string): void {
  let versions = kept.get(driver);
  if (!versions) kept.set(driver, (versions = new Set()));
  versions.add(version);
}

export function hasCheckpoints(driver: Driver, version: string): boolean {
  return kept.get(driver)?.has(version) === true;
}

/** In the transaction that records the migration finished: its checkpoints go with it. */
export async function clearCheckpoints(driver: Driver, version: string): Promise<void> {
  if (!hasCheckpoints(driver, version) || !driver.batch) return;
  await driver.batch.checkpoints.clear(version);
  kept.get(driver)!.delete(version);
}

/** The checkpoint table, created once per connection before the first checkpoint. */
export async function ensureCheckpointTable(driver: Driver): Promise<void> {
  if (ensured.has(driver) || !driver.batch) return;
  await driver.batch.checkpoints.ensure();
  ensured.add(driver);
}
