/**
 * `up --resume` (§10): a code migration left dirty by an interrupted `up` runs again, its
 * `db.batch` walks starting after their checkpoints. Only such a migration is resumed: a
 * dirty SQL migration, a dirty rollback or a file changed since the interrupted run still
 * refuses the command, with the usual repair hint.
 */
import { ValidationError } from '../core/errors.js';
import type { Entry, State } from '../core/state.js';
import type { Driver } from '../core/ports/index.js';

/** Whether `up --resume` runs this dirty entry again. */
function resumable(entry: Entry): boolean {
  const row = entry.applied;
  const source = entry.source;
  return entry.state === 'dirty' && row !== null && source !== null && source.kind === 'code' && row.dirtyOperation !== 'down'
    && (row.checksum === null || source.checksum === null || row.checksum === source.checksum);
}

/** The state with each resumable dirty migration pending again (and its `dirty` problem gone). */
export function resumeState(state: State): State {
  const keys = new Set(state.entries.filter(resumable).map((e) => e.key));
  if (keys.size === 0) return state;
  const entries = state.entries.map((e): Entry => (keys.has(e.key) ? { ...e, state: 'pending', applied: null } : e));
  return {
    entries,
    problems: state.problems.filter((p) => !(p.code === 'dirty' && p.key !== null && keys.has(p.key))),
    byKey: new Map(entries.map((e) => [e.key, e])),
  };
}

/** A `dirty` refusal of a migration that kept checkpoints says that `--resume` continues it. */
export async function withResumeHint(driver: Driver, state: State, refusal: unknown): Promise<unknown> {
  if (!(refusal instanceof ValidationError) || refusal.code !== 'dirty' || !driver.batch) return refusal;
  const kept = new Set(await driver.batch.checkpoints.versions());
  const entry = state.entries.find((e) => e.state === 'dirty' && kept.has(e.applied!.version));
  if (!entry) return refusal;
  const how = resumable(entry)
    ? `${entry.file ?? entry.id} kept the checkpoints of its committed batches: continue it with \`strata up --resume\` (each db.batch starts after its checkpoint); or ${refusal.hint ?? ''}`
    : refusal.hint ?? '';
  return new ValidationError(refusal.code, refusal.message, { file: refusal.file, problems: refusal.problems, hint: how });
}
