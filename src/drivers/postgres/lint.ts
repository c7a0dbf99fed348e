/** What the lint (SPEC §11) checks on PostgreSQL: destructive statements and the lock-heavy DDL that squawk and strong_migrations warn about, read by the server's own parser when `libpg-query` is installed. */
import type { LintProfile } from '../../lint/profile.js';
import { loadPostgresReader } from '../../lint/postgres-parser.js';

export const POSTGRES_LINT_PROFILE: LintProfile = { families: ['destructive', 'lock-heavy-ddl'], loadReader: loadPostgresReader };
