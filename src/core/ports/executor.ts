/** The executor port: statements on the run's connection, and stopping the one running. */

export type Row = Record<string, unknown>;

export interface Executor {
  /**
   * Optional, for engines whose DDL commits implicitly. Whether `statement` can run inside a
   * transaction without committing it (MySQL: INSERT, UPDATE, DELETE, REPLACE). The core then
   * runs a migration's trailing statements of that kind inside the transaction that records it,
   * saving a commit per migration. Answer false when unsure.
   */
  joinsTransaction?(statement: string): boolean;
  /**
   * One statement, no parameters, as written, under the driver's DDL lock timeout unless the
   * statement waits for other transactions by design (PostgreSQL's CONCURRENTLY): the driver
   * alone decides which statements those are.
   */
  execute(sql: string): Promise<void>;
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
  /** Cancels the running statement from a second connection (a signal arrived). */
  cancel(): Promise<void>;
}
