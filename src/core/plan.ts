/** Planning: which migrations `up` and `down` will run, in which order. Pure. */
import { ConfigError } from './errors.js';
import type { Entry, State } from './state.js';
import { resolveReference } from './version.js';

/** Resolves a version or id the user typed to a known entry, or throws a usage error. */
export function findEntry(state: State, reference: string, what: string): Entry {
  const key = resolveReference(reference, (k) => state.byKey.get(k)?.name);
  const entry = key === null ? undefined : state.byKey.get(key);
  if (!entry) {
    throw new ConfigError('usage', `${what} ${reference} is not a known migration`, {
      hint: 'give a version as written in a file name (e.g. 003) or a migration id (003_add_email); `strata status` lists them',
    });
  }
  return entry;
}

/** Pending migrations in canonical order; with a target, those up to and including it. */
export function planUp(state: State, options: { target?: string | undefined } = {}): Entry[] {
  let entries = state.entries;
  if (options.target !== undefined) {
    const target = findEntry(state, options.target, 'target');
    entries = entries.slice(0, entries.indexOf(target) + 1);
  }
  return entries.filter((e) => e.state === 'pending');
}

export interface DownOptions {
  readonly steps?: number | undefined;
  readonly target?: string | undefined;
  readonly all?: boolean | undefined;
}

/**
 * Applied migrations to roll back, most recent (in canonical order) first. Any applied
 * migration that depends on a member is added, so the plan never strands a dependent.
 */
export function planDown(state: State, options: DownOptions = {}): Entry[] {
  const applied = state.entries.filter((e) => e.applied !== null);
  let chosen: Entry[];
  if (options.all) {
    chosen = applied;
  } else if (options.target !== undefined) {
    const target = findEntry(state, options.target, 'target');
    const index = state.entries.indexOf(target);
    chosen = applied.filter((e) => state.entries.indexOf(e) > index);
  } else {
    const steps = options.steps ?? 1;
    chosen = steps <= 0 ? [] : applied.slice(-steps);
  }
  return withDependents(state, chosen, applied).reverse();
}

/** `chosen` plus every applied migration that (transitively) depends on one of them, in canonical order. */
export function withDependents(state: State, chosen: readonly Entry[], applied: readonly Entry[]): Entry[] {
  const members = new Set(chosen.map((e) => e.key));
  let grew = true;
  while (grew) {
    grew = false;
    for (const entry of applied) {
      if (!members.has(entry.key) && entry.dependsOn.some((d) => members.has(d))) {
        members.add(entry.key);
        grew = true;
      }
    }
  }
  return state.entries.filter((e) => members.has(e.key));
}

/** Applied migrations that depend on `key` (directly or not): `unmark` refuses while any exist. */
export function appliedDependents(state: State, key: string): Entry[] {
  const applied = state.entries.filter((e) => e.applied !== null);
  const entry = state.byKey.get(key)!;
  return withDependents(state, [entry], applied).filter((e) => e.key !== key);
}
