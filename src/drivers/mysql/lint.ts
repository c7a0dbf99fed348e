/** What the lint (SPEC §11) checks on MySQL and MariaDB. */
import type { LintProfile } from '../../lint/profile.js';

/**
 * Destructive statements and online ALTER TABLE. Whether `ADD COLUMN … FIRST/AFTER` is instant
 * comes from the connected server's version: MySQL 8.0.29 and MariaDB 10.4 made it so; TiDB
 * adds columns online anywhere.
 */
export function mysqlLintProfile(engine: string, version: string): LintProfile {
  return { families: ['destructive', 'online-alter'], instantAddColumnAnywhere: instantAddColumnAnywhere(engine, version) };
}

function instantAddColumnAnywhere(engine: string, version: string): boolean {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (engine === 'tidb') return true;
  if (!match) return false;
  const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
  const atLeast = (a: number, b: number, c: number) => major !== a ? major > a : minor !== b ? minor > b : patch >= c;
  return engine === 'mariadb' ? atLeast(10, 4, 0) : atLeast(8, 0, 29);
}
