/** Assertions shared by the driver tests. */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { StrataError } from '../../src/core/errors.js';

/** Awaits `promise`, asserts it rejects with `type` and `code`, and returns the error. */
export async function rejectsWith<T extends StrataError>(promise: Promise<unknown>, type: new (...args: never[]) => T, code: string): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${inspect(error)}`);
    assert.equal((error as T).code, code);
    return error as T;
  }
  assert.fail(`expected a ${type.name} (${code})`);
}
