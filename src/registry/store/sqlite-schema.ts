import type { Database } from 'better-sqlite3';

/**
 * The SQLite store's schema and its migrations. The version lives in `PRAGMA user_version`; each
 * migration moves it up by one inside its own transaction, so a crash mid-migration leaves the old
 * version intact. To change the schema, append a migration — never edit one that has shipped.
 *
 * Columns hold what a query needs (ids, names, keys); the rest of a record is JSON, so adding an
 * optional field to the model needs no migration. KV values are BLOBs (raw bytes, no base64) and
 * flags are TEXT (a uint64 does not fit in SQLite's signed 64-bit INTEGER).
 */

/** `PRAGMA application_id` of a Switchyard registry database ('SYRG'), to recognise foreign files. */
export const SQLITE_APPLICATION_ID = 0x53595247;

const MIGRATIONS: readonly ((db: Database) => void)[] = [
  // 0 → 1: the first schema. Small rows keyed by text are WITHOUT ROWID (one b-tree per write);
  // kv keeps a rowid because a value may be large. No secondary indexes yet: the catalog reads
  // everything once at start-up and answers queries from memory.
  (db) => {
    db.exec(`
      CREATE TABLE meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        highest_index INTEGER NOT NULL
      );
      INSERT INTO meta (id, highest_index) VALUES (1, 0);
      CREATE TABLE services (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        data TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE checks (
        id TEXT PRIMARY KEY NOT NULL,
        service_id TEXT,
        data TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE kv (
        key TEXT PRIMARY KEY NOT NULL,
        value BLOB NOT NULL,
        flags TEXT NOT NULL,
        create_index INTEGER NOT NULL,
        modify_index INTEGER NOT NULL,
        lock_index INTEGER NOT NULL
      );
    `);
    db.pragma(`application_id = ${SQLITE_APPLICATION_ID}`);
  },
];

/** The schema version this code writes (`PRAGMA user_version` after `migrateSqliteSchema`). */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings `db` to `SQLITE_SCHEMA_VERSION`: creates the schema in an empty file, upgrades an older
 * registry database, and refuses a foreign database or one from a newer Switchyard (throws an
 * Error whose message says which; the caller wraps it with the path).
 */
export function migrateSqliteSchema(db: Database): void {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const from = db.pragma('user_version', { simple: true }) as number;
  if (applicationId !== SQLITE_APPLICATION_ID) assertEmpty(db, applicationId, from);
  if (from > SQLITE_SCHEMA_VERSION) {
    throw new Error(
      `it has schema version ${from}, written by a newer Switchyard (this one knows up to ` +
        `${SQLITE_SCHEMA_VERSION}); upgrade Switchyard or use another data directory`,
    );
  }
  for (let version = from; version < SQLITE_SCHEMA_VERSION; version++) {
    const step = MIGRATIONS[version]!;
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}

/** A file without our application id is only acceptable when it is a brand-new, empty database. */
function assertEmpty(db: Database, applicationId: number, userVersion: number): void {
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
  if (applicationId === 0 && userVersion === 0 && tables.length === 0) return;
  const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', …' : '');
  throw new Error(
    `it is a SQLite database but not a Switchyard registry (application_id ${applicationId}, ` +
      `user_version ${userVersion}, tables: ${shown || 'none'}); refusing to change it`,
  );
}
