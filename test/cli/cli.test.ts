import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('switchyard CLI', () => {
  test('--version prints the package version', () => {
    const r = cli('--version');
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  test('--help lists the commands', () => {
    const r = cli('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Usage: switchyard <command>/);
    assert.match(r.stdout, /demo/);
  });

  test('an unknown command exits 2 with a clear error', () => {
    const r = cli('frobnicate');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command "frobnicate"/);
  });

  test('demo rejects a bad flag value, naming it', () => {
    const r = cli('demo', '--rate', 'lots');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--rate/);
  });

  test('registry rejects a malformed listen address and a read-token flag without a token', () => {
    const bad = cli('registry', '--http', 'localhost', '--data-dir', ':memory:');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--http: expected host:port/);
    const noToken = cli('registry', '--token-for-reads', '--data-dir', ':memory:');
    assert.equal(noToken.status, 2);
    assert.match(noToken.stderr, /--token-for-reads needs --token/);
    const unknown = cli('registry', '--htp', '127.0.0.1:0');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /--htp/);
  });

  test('demo runs against its real service and stops cleanly', () => {
    const r = cli('demo', '--duration', '1.5', '--rate', '50');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /payment-service listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /sent ok [1-9]\d*/);
    assert.match(r.stdout, /registry on http:\/\/127\.0\.0\.1:\d+ \(Consul API\)/);
    assert.match(r.stdout, /registered payment-1 in the registry/);
    assert.match(r.stdout, /stopped/);
  });
});
