import { createRequire } from "node:module";

/** The little of a SQLite driver the ledger uses, the same under Node (better-sqlite3) and Bun (bun:sqlite). */
export interface SqlStatement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}

export interface SqlDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  /** Wraps fn in BEGIN/COMMIT (ROLLBACK on a throw). */
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}

export interface OpenOptions {
  readonly?: boolean;
}

/**
 * Opens a SQLite database file. Node: better-sqlite3 (a native addon, kept out of the bundle and
 * loaded from node_modules only when the ledger opens). Bun: its built-in bun:sqlite, since Bun does
 * not load Node addons of this kind. Both take `?` parameters and return rows as plain objects.
 */
export async function openSqlite(file: string, options: OpenOptions = {}): Promise<SqlDatabase> {
  if (process.versions.bun) {
    // A variable specifier: neither tsc nor esbuild should try to resolve Bun's own module.
    const specifier = "bun:sqlite";
    const { Database } = (await import(specifier)) as { Database: new (file: string, opts: object) => SqlDatabase };
    return new Database(file, options.readonly ? { readonly: true } : { create: true, readwrite: true });
  }
  const load = createRequire(import.meta.url);
  const Database = load("better-sqlite3") as new (file: string, opts: object) => SqlDatabase;
  return new Database(file, options.readonly ? { readonly: true, fileMustExist: true } : {});
}
