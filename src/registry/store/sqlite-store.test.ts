import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { SwitchyardError } from '../../core/errors.js';
import type { KvEntry } from '../catalog/model.js';
import { registryStoreContract } from './registry-store.contract.js';
import { SQLITE_APPLICATION_ID, SQLITE_SCHEMA_VERSION } from './sqlite-schema.js';
import { openSqliteStore, SQLITE_STORE_FILE, type SqliteStore } from './sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'sy-sqlite-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = () => join(root, `d${++dirs}`);

registryStoreContract('SqliteStore', () => openSqliteStore({ dataDir: newDir() }), {
  reopen: async (store: SqliteStore) => {
    await store.close();
    return openSqliteStore({ path: store.path });
  },
});

function entry(key: string, value = 'v'): KvEntry {
  const bytes = new TextEncoder().encode(value);
  return { key, value: bytes, flags: '0', createIndex: 1, modifyIndex: 1, lockIndex: 0 };
}

/** Opens the file with plain better-sqlite3 (the store must be closed: it holds the lock). */
function raw<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function assertOpenError(fn: () => unknown, pattern: RegExp, path: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SwitchyardError);
    assert.equal(error.code, 'SY_REG_STORE_OPEN');
    assert.ok(error.message.includes(path), `message names the path: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('SqliteStore', () => {
  test('creates the data directory and a WAL database at the current schema version', async () => {
    const dir = join(newDir(), 'nested', 'deeper');
    const store = openSqliteStore({ dataDir: dir });
    assert.equal(store.path, join(dir, SQLITE_STORE_FILE));
    await store.close();
    raw(store.path, (db) => {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
      assert.equal(db.pragma('application_id', { simple: true }), SQLITE_APPLICATION_ID);
    });
  });

  test('a failure in the middle of a batch rolls the whole batch back', async () => {
    const store = openSqliteStore({ dataDir: newDir() });
    await store.apply([
      { op: 'putKv', entry: entry('kept') },
      { op: 'setIndex', index: 1 },
    ]);
    await store.close();
    // Inject a real SQLite error on the last write, after earlier writes of the batch ran.
    raw(store.path, (db) =>
      db.exec(`CREATE TRIGGER boom BEFORE INSERT ON kv WHEN NEW.key = 'boom'
               BEGIN SELECT RAISE(ABORT, 'injected failure'); END`),
    );
    const reopened = openSqliteStore({ path: store.path });
    const batch = [
      { op: 'putKv', entry: entry('a') },
      { op: 'deleteKv', key: 'kept' },
      { op: 'setIndex', index: 9 },
      { op: 'putKv', entry: entry('boom') },
    ] as const;
    await assert.rejects(reopened.apply(batch), (error: SwitchyardError) => {
      assert.equal(error.code, 'SY_REG_STORE_FAILED');
      assert.match(error.message, /injected failure/);
      return true;
    });
    const loaded = await reopened.load();
    assert.deepEqual(
      loaded.kv.map((e) => e.key),
      ['kept'],
    );
    assert.equal(loaded.index, 1);
    await reopened.apply([{ op: 'putKv', entry: entry('after') }]); // still usable
    assert.equal((await reopened.load()).kv.length, 2);
    await reopened.close();
  });

  test('concurrent applies commit together, and a failing one rolls back alone', async () => {
    const store = openSqliteStore({ dataDir: newDir() });
    await store.close();
    raw(store.path, (db) =>
      db.exec(`CREATE TRIGGER boom BEFORE INSERT ON kv WHEN NEW.key = 'boom'
               BEGIN SELECT RAISE(ABORT, 'injected failure'); END`),
    );
    const reopened = openSqliteStore({ path: store.path });
    const results = await Promise.allSettled([
      reopened.apply([{ op: 'putKv', entry: entry('a') }]),
      reopened.apply([
        { op: 'putKv', entry: entry('b') },
        { op: 'putKv', entry: entry('boom') },
      ]),
      reopened.apply([
        { op: 'putKv', entry: entry('c') },
        { op: 'setIndex', index: 3 },
      ]),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const failed = results[1] as PromiseRejectedResult;
    assert.equal((failed.reason as SwitchyardError).code, 'SY_REG_STORE_FAILED');
    const loaded = await reopened.load();
    assert.deepEqual(loaded.kv.map((e) => e.key).sort(), ['a', 'c']);
    assert.equal(loaded.index, 3);
    await reopened.close();
  });

  test('load sees, and close commits, applies that are still queued', async () => {
    const store = openSqliteStore({ dataDir: newDir() });
    const first = store.apply([{ op: 'putKv', entry: entry('seen-by-load') }]);
    assert.deepEqual(
      (await store.load()).kv.map((e) => e.key),
      ['seen-by-load'],
    );
    await first;
    const queued = store.apply([{ op: 'setIndex', index: 8 }]);
    await store.close();
    await queued;
    const reopened = openSqliteStore({ path: store.path });
    assert.equal((await reopened.load()).index, 8);
    await reopened.close();
  });

  test('a data directory that cannot be created is a clear SY_REG_STORE_OPEN', () => {
    const file = join(newDir() + '-file');
    writeFileSync(file, 'not a directory');
    const dataDir = join(file, 'registry');
    assertOpenError(
      () => openSqliteStore({ dataDir }),
      /data directory cannot be created/,
      dataDir,
    );
  });

  test('a corrupt file is refused, named and left untouched', () => {
    const path = join(root, 'corrupt.db');
    const garbage = 'this is not a database, it is a text file. '.repeat(200);
    writeFileSync(path, garbage);
    assertOpenError(() => openSqliteStore({ path }), /not a SQLite database, or corrupt/, path);
    assert.equal(readFileSync(path, 'utf8'), garbage);
  });

  test('a foreign SQLite database is refused and left untouched', () => {
    const path = join(root, 'foreign.db');
    raw(path, (db) => db.exec("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ann')"));
    assertOpenError(() => openSqliteStore({ path }), /not a Switchyard registry.*users/, path);
    raw(path, (db) => {
      assert.equal(db.prepare('SELECT count(*) FROM users').pluck().get(), 1);
      assert.equal(db.pragma('user_version', { simple: true }), 0);
    });
  });

  test('a database from a newer Switchyard is refused', async () => {
    const store = openSqliteStore({ dataDir: newDir() });
    await store.close();
    raw(store.path, (db) => db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`));
    assertOpenError(() => openSqliteStore({ path: store.path }), /newer Switchyard/, store.path);
  });

  test('an empty existing file is initialised', async () => {
    const path = join(root, 'empty.db');
    writeFileSync(path, '');
    const store = openSqliteStore({ path });
    assert.deepEqual((await store.load()).services, []);
    await store.close();
  });

  test('a second store on the same file fails at open while the first holds it', async () => {
    const first = openSqliteStore({ dataDir: newDir() });
    const path = first.path;
    assertOpenError(() => openSqliteStore({ path, lockTimeoutMs: 0 }), /another process/, path);
    await first.close();
    const second = openSqliteStore({ path, lockTimeoutMs: 0 });
    await second.close();
  });

  test('exclusive: false lets another connection read while the store is open', async () => {
    const store = openSqliteStore({ dataDir: newDir(), exclusive: false });
    await store.apply([{ op: 'putKv', entry: entry('shared') }]);
    const count = raw(store.path, (db) => db.prepare('SELECT count(*) FROM kv').pluck().get());
    assert.equal(count, 1);
    await store.close();
  });

  test('records are stored as columns plus JSON, KV values as BLOBs', async () => {
    const store = openSqliteStore({ dataDir: newDir() });
    await store.apply([{ op: 'putKv', entry: { ...entry('k'), flags: '18446744073709551615' } }]);
    await store.close();
    raw(store.path, (db) => {
      const row = db.prepare('SELECT typeof(value) AS v, typeof(flags) AS f FROM kv').get();
      assert.deepEqual({ ...(row as object) }, { v: 'blob', f: 'text' });
    });
  });
});
