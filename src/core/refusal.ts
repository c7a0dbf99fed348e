/** Which §4 problems refuse which command (the table in §4), as one pure function. */
import type { Problem, ProblemCode } from './model.js';

export type Gate =
  | { readonly command: 'up'; readonly allowOutOfOrder: boolean } // up, redo, baseline, plan / --dry-run
  | { readonly command: 'down' }
  | { readonly command: 'mark'; readonly key: string } // mark-applied v, unmark v
  | { readonly command: 'repair' } // repair, reset
  | { readonly command: 'report' }; // status, history, info, validate: never refused

const STRUCTURAL: ReadonlySet<ProblemCode> = new Set(['malformed-name', 'duplicate-version', 'file-conflict', 'unreadable-file', 'dependency-cycle', 'unknown-dependency']);

export function refusingProblems(problems: readonly Problem[], gate: Gate): Problem[] {
  switch (gate.command) {
    case 'up':
      return problems.filter((p) => !(gate.allowOutOfOrder && p.code === 'out-of-order'));
    case 'down':
      return problems.filter((p) => p.code !== 'out-of-order');
    case 'mark':
      return problems.filter((p) => p.key !== gate.key);
    case 'repair':
      return problems.filter((p) => STRUCTURAL.has(p.code));
    case 'report':
      return [];
  }
}
