/** What the lint (SPEC §11) checks on SQLite: destructive statements and the ALTER TABLE forms SQLite cannot run. */
import type { LintProfile } from '../../lint/profile.js';

export const SQLITE_LINT_PROFILE: LintProfile = { families: ['destructive', 'limited-alter'] };
