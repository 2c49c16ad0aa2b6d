/**
 * The requests table after its id: each column's name, in the order of a Row (ledger.ts), and its
 * type in SQLite and in PostgreSQL. The first migration of both databases creates the table from
 * this list, and both INSERTs name these columns, so the two ledgers can't drift apart. The list is
 * frozen as the first migration made it: a column added later gets a migration step of its own in
 * both databases (an ALTER TABLE), and a place at the end of INSERT_COLUMNS and of the Row.
 */
const FIRST_COLUMNS: readonly (readonly [name: string, sqlite: string, pg: string])[] = [
  ["time", "INTEGER NOT NULL", "BIGINT NOT NULL"],
  ["client", "TEXT", "TEXT"],
  ["key_name", "TEXT", "TEXT"],
  ["api", "TEXT NOT NULL", "TEXT NOT NULL"],
  ["model", "TEXT", "TEXT"],
  ["endpoint", "TEXT", "TEXT"],
  ["initiator", "TEXT", "TEXT"],
  ["interaction", "TEXT", "TEXT"],
  ["kind", "TEXT", "TEXT"],
  ["stream", "INTEGER", "SMALLINT"],
  ["status", "INTEGER NOT NULL", "INTEGER NOT NULL"],
  ["duration_ms", "INTEGER", "INTEGER"],
  ["ttfb_ms", "INTEGER", "INTEGER"],
  ["input_tokens", "INTEGER", "BIGINT"],
  ["output_tokens", "INTEGER", "BIGINT"],
  ["cache_read_tokens", "INTEGER", "BIGINT"],
  ["cache_write_tokens", "INTEGER", "BIGINT"],
  ["reasoning_tokens", "INTEGER", "BIGINT"],
  ["nano_aiu", "INTEGER", "BIGINT"],
  ["cost_estimated", "INTEGER", "SMALLINT"],
  ["error_kind", "TEXT", "TEXT"],
];

/** The columns a Row fills, in its order. */
export const INSERT_COLUMNS: readonly string[] = FIRST_COLUMNS.map(([name]) => name);

/** The first migration's CREATE TABLE, in `db`'s types, with `id` its primary key column. */
export function createRequestsTable(db: "sqlite" | "pg", id: string): string {
  const columns = FIRST_COLUMNS.map(([name, sqlite, pg]) => `${name} ${db === "sqlite" ? sqlite : pg}`);
  return `CREATE TABLE requests (\n  ${[id, ...columns].join(",\n  ")}\n);`;
}
