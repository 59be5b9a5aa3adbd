import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `switchyard <args>` from the sources (as test/helpers/process.ts does) to its exit. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'sy-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('switchyard check', () => {
  test('the example config is valid: exit 0, a summary and the route table', async () => {
    const r = await cli(['check', 'examples/gateway.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'examples/gateway.yaml: valid');
    assert.match(r.stdout, /^ {2}listen {4}127\.0\.0\.1:8080$/m);
    assert.match(
      r.stdout,
      /^ {4}user-service: registry "user-service" \(passing only\), least-request$/m,
    );
    assert.match(r.stdout, /^ {4}order-service: 2 targets, round-robin$/m);
    assert.match(
      r.stdout,
      /^ {4}1 {2}routes\[0\] {2}prefix \/api\/v1\/users {3}\* {5}\* {7}- {8}user-service$/m,
    );
    assert.match(
      r.stdout,
      /^ {4}2 {2}routes\[1\] {2}prefix \/api\/v1\/orders {2}\* {5}\* {7}- {8}order-service$/m,
    );
  });

  test('--routes prints the routes most specific first, with the reason', async () => {
    const path = file(
      'routes.yaml',
      `listen: 8080
services: { s: { targets: ["http://127.0.0.1:1"] } }
routes:
  - { name: api, match: { path: /api }, service: s }
  - { name: user, match: { path: "/api/users/:id", method: GET }, service: s }
  - { name: me, match: { path: /api/users/me, type: exact }, service: s }
  - { name: canary, match: { path: /api, headers: { X-Canary: "1" } }, service: s }
`,
    );
    const r = await cli(['check', path, '--routes']);
    assert.equal(r.code, 0, r.stderr);
    const names = r.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/)[1]);
    assert.deepEqual(names, ['me', 'user', 'canary', 'api']);
    assert.match(r.stdout, /why here/);
    assert.match(r.stdout, /me .*whole path \(3 segments\); any host; any method; 0 headers; #2/);
  });

  test('--json prints the normalized config with secrets redacted', async () => {
    const path = file('secret.yaml', 'listen: 8080\nadmin: { token: ${ADMIN_TOKEN} }\n');
    const r = await cli(['check', path, '--json'], { ADMIN_TOKEN: 'hunter2' });
    assert.equal(r.code, 0, r.stderr);
    const config = JSON.parse(r.stdout) as {
      admin: { token: string };
      limits: { maxBodySize: number };
    };
    assert.equal(config.admin.token, '[redacted]');
    assert.equal(config.limits.maxBodySize, 10 * 1024 * 1024);
    assert.ok(!r.stdout.includes('hunter2'));
  });

  test('a broken config: exit 1 and every problem as file:line:col path: message', async () => {
    const path = file(
      'gateway.yaml',
      `listen: 8080
services:
  payment:
    targets: [http://127.0.0.1:8002]
    blancer: random
routes:
  - match: { path: /a }
    service: payment
  - match: { path: /b }
    service: payment
    timeouts: { read: 5 sec }
  - match: { path: /c }
    service: paymnt
  - match: { path: /d }
    service: \${PAYMENT_SERVICE}
`,
    );
    const r = await cli(['check', path]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      [
        `${path}:5:5 services.payment.blancer: unknown key "blancer" (did you mean "balancer"?)`,
        `${path}:11:23 routes[1].timeouts.read: expected a positive duration like "250ms", "5s", "1m" or "1h", got "5 sec"`,
        `${path}:13:14 routes[2].service: unknown service "paymnt" (did you mean "payment"?)`,
        `${path}:15:14 routes[3].service: environment variable PAYMENT_SERVICE is not set (use \${PAYMENT_SERVICE:-default} to give a default)`,
        `${path}: 4 problems`,
        '',
      ].join('\n'),
    );
    const fixed = await cli(['check', path], { PAYMENT_SERVICE: 'payment' });
    assert.equal(fixed.code, 1);
    assert.match(fixed.stderr, /: 3 problems\n$/);
  });

  test('a YAML syntax error, an empty file, a missing file and a 5 MB file: exit 1', async () => {
    const cases: [string, RegExp][] = [
      [file('syntax.yaml', 'listen: 8080\nroutes: [\n'), /syntax\.yaml:3:1: YAML: .*\n/],
      [file('empty.yaml', ''), /empty\.yaml: the file is empty/],
      [join(dir, 'missing.yaml'), /missing\.yaml: cannot read the file: ENOENT/],
      [
        file('big.yaml', `listen: 8080\n#${'x'.repeat(5 * 1024 * 1024)}\n`),
        /big\.yaml: the file is 5\.0 MB; a gateway config may be at most 1 MB/,
      ],
    ];
    const runs = await Promise.all(cases.map(([path]) => cli(['check', path])));
    runs.forEach((r, i) => {
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, cases[i]![1]);
      assert.match(r.stderr, /: 1 problem\n$/);
    });
  });

  test('usage errors exit 2', async () => {
    const [none, two, flag] = await Promise.all([
      cli(['check']),
      cli(['check', 'a.yaml', 'b.yaml']),
      cli(['check', 'examples/gateway.yaml', '--rotes']),
    ]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /check needs a config file/);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /check takes one file/);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--rotes/);
  });

  test('check is listed in --help', async () => {
    const r = await cli(['--help']);
    assert.match(r.stdout, /^ {2}check {6}validate a gateway config/m);
  });
});
