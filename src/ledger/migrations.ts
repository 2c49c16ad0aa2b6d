import { createRequestsTable } from "./columns.js";
import type { SqlDatabase } from "./sqlite-driver.js";

/**
 * The ledger's schema, one step per version; PRAGMA user_version says which steps a file has had.
 * Steps are only ever appended: a file written by an older copilot-api is brought up to date, and
 * one written by a newer copilot-api is refused rather than guessed at.
 */
const MIGRATIONS: string[] = [
  `${createRequestsTable("sqlite", "id INTEGER PRIMARY KEY")}
   CREATE INDEX requests_time ON requests (time);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: SqlDatabase): void {
  const version = (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (version > SCHEMA_VERSION) {
    throw new Error(`it was written by a newer copilot-api (schema ${version}, this one knows up to ${SCHEMA_VERSION})`);
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    })();
  }
}

/** The schema version of an open database (0 for an empty file). */
export function schemaVersion(db: SqlDatabase): number {
  return (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
}
