/** Each dialect's syntax description, by name, for tests that run the splitter on every dialect. */
import { MYSQL_SYNTAX } from '../../src/drivers/mysql/syntax.js';
import { POSTGRES_SYNTAX } from '../../src/drivers/postgres/syntax.js';
import { SQLITE_SYNTAX } from '../../src/drivers/sqlite/syntax.js';
import type { SqlSyntax } from '../../src/sql/syntax.js';
import type { DialectName } from './dialects.js';

export type SyntaxName = DialectName;

export const SYNTAX: Readonly<Record<SyntaxName, SqlSyntax>> = { sqlite: SQLITE_SYNTAX, postgres: POSTGRES_SYNTAX, mysql: MYSQL_SYNTAX };
