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
 * Opens a SQLite database file. Node: better-sqlite3 (a native addon loaded from node_modules only
 * when the ledger opens). Bun: its built-in bun:sqlite, since Bun does
 * not load Node addons of this kind. Both take `?` parameters and return rows as plain objects.
 */
export async function openSqlite(file: string, options: OpenOptions = {}): Promise<SqlDatabase> {
  if (process.versions.bun) {
    // A variable specifier: neither tsc nor esbuild should try to resolve Bun's own module.
    const specifier = "bun:sqlite";
    const { Database } = (await import(specifier)) as { Database: new (file: string, opts: object) => SqlDatabase };
    return new Database(file, options.readonly ? { readonly: true } : { create: true, readwrite: true });
  }
  const base = options.readonly ? { readonly: true, fileMustExist: true } : {};
  const load = createRequire(import.meta.url);
  const addon = addonFile(load);
  // With the addon's file known, better-sqlite3's JavaScript is loaded from its one file by name
  // (which the bundle takes in, scripts/bundle.mjs); otherwise the package finds its addon itself.
  if (addon) {
    const Database = load("better-sqlite3/lib/database.js") as new (file: string, opts: object) => SqlDatabase;
    return new Database(file, { ...base, nativeBinding: addon });
  }
  const Database = load("better-sqlite3") as new (file: string, opts: object) => SqlDatabase;
  return new Database(file, base);
}

/**
 * The compiled addon, where npm's install (a prebuilt binary or node-gyp) puts it. Named directly,
 * better-sqlite3 need not look for it through the `bindings` package (which works out the package's
 * directory from a stack trace and tries a list of build folders); an addon anywhere else is left to
 * that search.
 */
function addonFile(load: NodeJS.Require): string | undefined {
  try {
    return load.resolve("better-sqlite3/build/Release/better_sqlite3.node");
  } catch {
    return undefined;
  }
}
