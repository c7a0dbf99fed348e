/** The databases and project folders one describe block makes, dropped and removed after it. */
import { after } from 'node:test';
import type { DialectUnderTest, FreshDatabase } from './dialects.js';
import { project, type Project } from './project.js';

/** Call inside a `describe`: its `after` hook drops every database and removes every folder made through it. */
export function suiteResources(dialect: DialectUnderTest) {
  const databases: FreshDatabase[] = [];
  const projects: Project[] = [];
  after(async () => {
    for (const db of databases) await db.drop();
    for (const each of projects) each.cleanup();
  });
  return {
    fresh: async (): Promise<FreshDatabase> => {
      const db = await dialect.fresh();
      databases.push(db);
      return db;
    },
    withMigrations: (files: Record<string, string>): Project => {
      const p = project(files);
      projects.push(p);
      return p;
    },
  };
}
