/**
 * A seeded PRNG (mulberry32) so that a failing run of the reliability suite can be replayed:
 * every file prints its seed, and RELIABILITY_SEED=<n> runs the same choices again (the
 * moments of kills still depend on timing, so a replay is close, not identical).
 */
export interface Prng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A PRNG for one part of the run (e.g. one dialect), so that parts do not shift each other's choices. */
  fork(label: string): Prng;
}

export function prng(seed: number): Prng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    fork: (label) => prng((seed ^ hash(label)) >>> 0),
  };
}

/** The seed of this run: RELIABILITY_SEED when set, else a fresh one (printed by each file). */
export function runSeed(): number {
  const given = process.env.RELIABILITY_SEED;
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0) throw new Error(`RELIABILITY_SEED must be a non-negative integer (got "${given}")`);
    return n >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
