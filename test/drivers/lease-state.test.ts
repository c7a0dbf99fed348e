/**
 * The lease's state machine (src/drivers/lease.ts) on an in-memory store: the rules that
 * test/drivers/lease.test.ts cannot time reliably against a server — one renewal in flight,
 * the pause while the run's transaction holds the row, the deadline, a release that never
 * throws — in milliseconds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LockTimeoutError } from '../../src/core/errors.js';
import type { LockHolder } from '../../src/drivers/driver.js';
import { Lease, type LeaseStore } from '../../src/drivers/lease.js';

/** One lease row in memory; `renewWith` decides what the next renewals do. */
class MemoryStore implements LeaseStore {
  renewsDuringStatements = true;
  inTransaction = false;
  holder: LockHolder | null = null;
  renewals = 0;
  closed = 0;
  renewWith: () => Promise<boolean | null> = async () => true;
  releaseWith: () => Promise<void> = async () => undefined;

  async tryAcquire(): Promise<LockHolder | null> {
    return this.holder;
  }
  renew(): Promise<boolean | null> {
    this.renewals++;
    return this.renewWith();
  }
  release(): Promise<void> {
    return this.releaseWith();
  }
  async probe(): Promise<LockHolder | null> {
    return this.holder;
  }
  async close(): Promise<void> {
    this.closed++;
  }
  runInTransaction(): boolean {
    return this.inTransaction;
  }
}

const TTL = 300; // renewals every 100 ms
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isLockLost = (e: unknown) => e instanceof LockTimeoutError && e.code === 'lock-lost';

async function held(store = new MemoryStore()): Promise<{ store: MemoryStore; lease: Lease }> {
  const lease = new Lease(store, TTL);
  await lease.acquire({ timeoutMs: 1000 });
  return { store, lease };
}

test('renewals every TTL/3 keep the lease past its TTL; one that finds the row gone loses it', async () => {
  const { store, lease } = await held();
  await sleep(TTL * 2);
  lease.assertHeld();
  assert.ok(store.renewals >= 3, `${store.renewals} renewals`);
  store.renewWith = async () => false;
  await sleep(150);
  assert.throws(() => lease.assertHeld(), isLockLost);
  assert.equal(lease.isHeld, false);
  assert.equal(lease.active, true, 'still guarding tracking writes until released');
  await lease.release();
});

test('one renewal in flight at a time: a slow one is not stacked on', async () => {
  let finish!: (value: boolean) => void;
  const store = new MemoryStore();
  store.renewWith = () => new Promise<boolean>((resolve) => (finish = resolve));
  const { lease } = await held(store);
  await sleep(450); // four ticks
  assert.equal(store.renewals, 1);
  finish(true);
  await sleep(120);
  assert.equal(store.renewals, 2);
  finish(true); // the second one, so that release does not wait for it
  await lease.release();
});

test('a failed renewal is retried; a whole TTL without one lapses the lease, its error as the cause', async () => {
  const store = new MemoryStore();
  const { lease } = await held(store);
  const failure = new Error('connection reset');
  store.renewWith = async () => {
    throw failure;
  };
  await sleep(TTL / 2);
  lease.assertHeld(); // within the TTL of the last confirmation
  await sleep(TTL);
  assert.ok(store.renewals >= 2, `retried: ${store.renewals} renewals`);
  assert.throws(
    () => lease.assertHeld(),
    (e: unknown) => isLockLost(e) && (e as Error).cause === failure,
  );
  await lease.release();
});

test("while the run's open transaction holds the row, renewals pause and the deadline waits for its commit", async () => {
  const { store, lease } = await held();
  store.inTransaction = true;
  lease.checked(true, Date.now());
  assert.equal(lease.heldByTransaction, true);
  const before = store.renewals;
  await sleep(TTL * 2);
  assert.equal(store.renewals, before, 'no renewal while the transaction holds the row');
  lease.assertHeld(); // twice the TTL, yet nobody can take it over before the commit
  // The commit confirms the transaction's check: a TTL from when it was sent.
  lease.checked(true, Date.now());
  store.inTransaction = false;
  lease.transactionEnded(true);
  assert.equal(lease.heldByTransaction, false);
  lease.assertHeld();
  await sleep(150);
  assert.ok(store.renewals > before, 'renewals resumed');
  await lease.release();
});

test('a check that finds the row gone throws lock-lost, and so does every later assertHeld', async () => {
  const { store, lease } = await held();
  store.inTransaction = true;
  assert.throws(() => lease.checked(false, Date.now()), isLockLost);
  store.inTransaction = false;
  lease.transactionEnded(false);
  assert.throws(() => lease.assertHeld(), isLockLost);
  await lease.release();
});

test('without renewals beside statements (SQLite), the clock alone never lapses the lease', async () => {
  const store = new MemoryStore();
  store.renewsDuringStatements = false;
  store.renewWith = async () => null; // "not now": inside the run's transaction
  const { lease } = await held(store);
  await sleep(TTL * 2);
  lease.assertHeld();
  await lease.release();
});

test('release never throws, closes the store, and a released lease checks nothing', async () => {
  const { store, lease } = await held();
  store.releaseWith = async () => {
    throw new Error('server gone');
  };
  await lease.release();
  assert.equal(store.closed, 1);
  assert.equal(lease.active, false);
  lease.assertHeld();
  lease.checked(false, Date.now());
  const renewals = store.renewals;
  await sleep(150);
  assert.equal(store.renewals, renewals, 'the timer stopped');
});

test('acquire polls while the row is held, naming the holder once', async () => {
  const store = new MemoryStore();
  store.holder = { owner: 'strata 0.1.0 other:1 run-other', since: null };
  const lease = new Lease(store, TTL);
  const seen: (LockHolder | null)[] = [];
  setTimeout(() => (store.holder = null), 100);
  await lease.acquire({ timeoutMs: 2000, onWait: (h) => seen.push(h) });
  assert.deepEqual(seen, [{ owner: 'strata 0.1.0 other:1 run-other', since: null }]);
  assert.equal(lease.isHeld, true);
  await lease.release();
});
