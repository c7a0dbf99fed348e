/**
 * The run of a plan (src/core/run/): this entry keeps the one import path the operations use.
 * plan-runner.ts is the loop; each strategy (atomic, savepoint group, one transaction per
 * migration, the dirty protocol) is its own module behind run/strategy.ts.
 */
export { runPlan } from './run/plan-runner.js';
export type { Direction, PlannedMigration, RunContext, RunOutcome } from './run/context.js';
