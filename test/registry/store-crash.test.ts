import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/registry/store/sqlite-store.js';
import { crashValue } from './fixtures/crash-batch.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/store-crash-child.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'sy-store-crash-'));
const running = new Set<ChildProcess>();
after(() => {
  for (const p of running) p.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const BATCHES_PER_RUN = 1_000_000; // far more than get applied before the kill lands
const KILL_AFTER = 150; // batches the parent waits to see before killing
const TIMEOUT_MS = 30_000;

/**
 * Starts the child, waits until it reports `KILL_AFTER` batches past `start`, kills it with
 * SIGKILL and resolves with the highest batch it reported as applied (lines that were already in
 * the pipe when it died count too).
 */
function runAndKill(start: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', child, dataDir, String(BATCHES_PER_RUN)],
      {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    running.add(proc);
    let reported = start;
    let pending = '';
    let stderr = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`child reported only up to ${reported} in ${TIMEOUT_MS} ms: ${stderr}`));
    }, TIMEOUT_MS);
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const match = /^applied (\d+)$/.exec(line);
        if (!match) {
          proc.kill('SIGKILL');
          reject(new Error(`unexpected child output: ${line}`));
          return;
        }
        reported = Math.max(reported, Number(match[1]));
      }
      if (reported >= start + KILL_AFTER && proc.exitCode === null) proc.kill('SIGKILL');
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(proc);
      if (signal !== 'SIGKILL')
        reject(new Error(`child exited ${code} before the kill: ${stderr}`));
      else resolve(reported);
    });
  });
}

/** Reopens the store and checks batches 1..M are all there, whole, and nothing else is. */
async function assertConsistent(reported: number): Promise<number> {
  const store = openSqliteStore({ dataDir });
  const state = await store.load();
  await store.close();
  const applied = state.index;
  assert.ok(applied >= reported, `batch ${reported} was reported applied; index is ${applied}`);
  assert.ok(applied < reported + BATCHES_PER_RUN, 'the child finished before it was killed');

  const expectIds = (prefix: string) =>
    Array.from({ length: applied }, (_, i) => `${prefix}${i + 1}`);
  const sorted = (xs: string[]) => xs.sort((a, b) => a.localeCompare(b));
  assert.deepEqual(sorted(state.services.map((s) => s.id)), sorted(expectIds('svc-')));
  assert.deepEqual(sorted(state.checks.map((c) => c.definition.id)), sorted(expectIds('chk-')));
  const kv = new Map(state.kv.map((e) => [e.key, e]));
  assert.equal(kv.size, applied + 1);
  assert.equal(new TextDecoder().decode(kv.get('latest')!.value), String(applied));
  for (let k = 1; k <= applied; k++) {
    const entry = kv.get(`crash/${k}`);
    assert.ok(entry, `crash/${k} missing`);
    assert.ok(Buffer.from(entry.value).equals(crashValue(k)), `crash/${k} has the wrong bytes`);
    assert.equal(entry.flags, String(k));
  }
  const db = new Database(join(dataDir, 'registry.db'), { readonly: true });
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
  return applied;
}

test('every batch reported applied survives kill -9, across three crashes in a row', async () => {
  let applied = 0;
  for (let run = 1; run <= 3; run++) {
    const reported = await runAndKill(applied);
    applied = await assertConsistent(reported);
    assert.ok(applied >= run * KILL_AFTER);
  }
});
