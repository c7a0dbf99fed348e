/** The CLI's batch progress without a terminal: a line when a walk starts, then every few seconds; nothing with --quiet. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchProgress } from '../../src/cli/batch-progress.js';
import type { Output } from '../../src/cli/output.js';

function output(quiet = false): Output & { notes: string[] } {
  const notes: string[] = [];
  return {
    json: false, quiet, verbose: false, color: false, notes,
    line: () => undefined,
    note: (text) => notes.push(text),
    document: () => undefined,
    heldDocument: undefined,
    flushDocument: () => undefined,
  };
}

const event = (batch: number, name = 'users:id') => ({
  type: 'batch-progress' as const, version: '014', name, batch, done: batch * 1000, total: 50_000, totalEstimated: true as const, rowsPerSecond: 41_200, etaMs: 90_000,
});

test('without a TTY: one line when a walk starts, none for the batches right after it', () => {
  const out = output();
  const progress = new BatchProgress(out, false);
  progress.update(event(1));
  progress.update(event(2));
  progress.update(event(1, 'orders:id'));
  assert.deepEqual(out.notes, [
    'strata: 014 users:id: batch 1, 1,000 rows of about 50,000 done, 41,200 rows/s, about 2 min left',
    'strata: 014 orders:id: batch 1, 1,000 rows of about 50,000 done, 41,200 rows/s, about 2 min left',
  ]);
});

test('an unknown total and time left are said so; --quiet prints nothing', () => {
  const out = output();
  new BatchProgress(out, false).update({ ...event(3), total: null, etaMs: null });
  assert.deepEqual(out.notes, ['strata: 014 users:id: batch 3, 3,000 rows done, 41,200 rows/s, time left unknown']);
  const quiet = output(true);
  new BatchProgress(quiet, false).update(event(1));
  assert.deepEqual(quiet.notes, []);
});
