/** The tools `strata import` knows, by the name it takes (§12). */
import type { ToolReader } from './model.js';
import { drizzle } from './tools/drizzle.js';
import { flyway } from './tools/flyway.js';
import { table, userVersion } from './tools/home-grown.js';
import { knex, nodePgMigrate, sequelize, typeorm } from './tools/named.js';
import { prisma } from './tools/prisma.js';
import { dbmate, golangMigrate } from './tools/schema-migrations.js';
import { sqlx } from './tools/sqlx.js';

export const TOOLS: ReadonlyMap<string, ToolReader> = new Map(
  [flyway, knex, dbmate, golangMigrate, prisma, nodePgMigrate, typeorm, sequelize, sqlx, drizzle, table, userVersion].map((tool) => [tool.name, tool]),
);

export const TOOL_NAMES: readonly string[] = [...TOOLS.keys()];
