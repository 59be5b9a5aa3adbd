import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, formatProblem } from './config-error.js';
import { loadGatewayConfig, MAX_CONFIG_BYTES, parseGatewayConfig } from './load-config.js';

/** Every problem of `yaml` as `file:line:col path: message` lines. */
function problems(yaml: string, env: Record<string, string> = {}): string[] {
  const result = parseGatewayConfig(yaml, 'gateway.yaml', { env, checkFiles: false });
  assert.equal(result.config, undefined, 'expected the config to be rejected');
  return result.problems.map(formatProblem);
}

function valid(yaml: string, env: Record<string, string> = {}) {
  const result = parseGatewayConfig(yaml, 'gateway.yaml', { env, checkFiles: false });
  assert.deepEqual(result.problems.map(formatProblem), []);
  return result.config!;
}

const ISSUE_EXAMPLE = `listen: 127.0.0.1:8080
admin: { listen: 127.0.0.1:9901 }
registry: { address: http://127.0.0.1:8500 }
services:
  user-service:                 # discovered from the registry: passing instances only
    balancer: least-request
  order-service:
    targets: [http://127.0.0.1:8002, http://127.0.0.1:8012]
    balancer: round-robin
routes:
  - match: { path: /api/v1/users }
    service: user-service
    timeouts: { connect: 5s, read: 30s }
    retries: { attempts: 3, on: [connect-failure, 5xx] }
  - match: { path: /api/v1/orders }
    service: order-service
`;

describe('parseGatewayConfig: the issue example', () => {
  test('loads as written, with defaults filled in', () => {
    const c = valid(ISSUE_EXAMPLE);
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 8080, http2: false });
    assert.deepEqual(c.admin, { host: '127.0.0.1', port: 9901 });
    assert.deepEqual(c.registry, { address: 'http://127.0.0.1:8500' });
    assert.deepEqual(c.services['user-service']!.source, {
      kind: 'registry',
      service: 'user-service',
      tags: [],
      passingOnly: true,
    });
    assert.equal(c.services['user-service']!.balancer, 'least-request');
    assert.deepEqual(c.services['order-service']!.source, {
      kind: 'static',
      targets: [
        { url: 'http://127.0.0.1:8002', weight: 1 },
        { url: 'http://127.0.0.1:8012', weight: 1 },
      ],
    });
    const [users, orders] = c.routes;
    assert.equal(users!.name, 'routes[0]');
    assert.deepEqual(users!.match, {
      path: '/api/v1/users',
      type: 'prefix',
      hosts: [],
      methods: [],
      headers: [],
    });
    assert.deepEqual(users!.timeouts, { connect: 5000, read: 30000, total: undefined });
    assert.equal(users!.retries.attempts, 3);
    assert.deepEqual(users!.retries.on, ['connect-failure', '5xx']);
    assert.equal(orders!.retries.attempts, 1, 'no retries block: one attempt');
    assert.equal(orders!.maxBodySize, 10 * 1024 * 1024);
  });

  test('the result is deeply frozen', () => {
    const c = valid(ISSUE_EXAMPLE);
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.routes[0]!.match.hosts));
    assert.ok(Object.isFrozen(c.services['order-service']!.source));
  });
});

describe('parseGatewayConfig: broken files', () => {
  test('a YAML syntax error names its line and column', () => {
    assert.deepEqual(problems('listen: 8080\nroutes: [\n  - a\nservices: {}\n'), [
      'gateway.yaml:3:3: YAML: Block collections are not allowed within flow collections',
      'gateway.yaml:4:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    assert.deepEqual(problems('listen: 8080\n  workers: 2\n'), [
      'gateway.yaml:1:9: YAML: Nested mappings are not allowed in compact mappings',
      'gateway.yaml:1:9: YAML: Implicit keys need to be on a single line',
    ]);
  });

  test('a duplicate key, a tab indent and a second document are syntax errors', () => {
    assert.deepEqual(problems('listen: 8080\nlisten: 9090\n'), [
      'gateway.yaml:2:1: YAML: Map keys must be unique',
    ]);
    assert.match(
      problems('listen: 8080\nlimits:\n\tmaxBodySize: 1kb\n')[0]!,
      /^gateway\.yaml:3:1: YAML: Tabs/,
    );
    assert.match(
      problems('listen: 8080\n---\nlisten: 9090\n')[0]!,
      /^gateway\.yaml:2:1: YAML: .*multiple documents/,
    );
  });

  test('an empty file, a comments-only file and a top-level list are refused plainly', () => {
    const empty = 'gateway.yaml: the file is empty: a gateway config needs at least `listen`';
    assert.deepEqual(problems(''), [empty]);
    assert.deepEqual(problems('# nothing yet\n\n'), [empty]);
    assert.deepEqual(problems('- listen: 8080\n'), [
      'gateway.yaml:1:1: expected a mapping of keys (listen, services, routes, …) at the top level',
    ]);
    assert.deepEqual(problems('{}\n'), ['gateway.yaml:1:1 listen: missing required key "listen"']);
  });

  test('wrong types say what was expected and what was found', () => {
    assert.deepEqual(
      problems(`listen: 8080
workers: two
accessLog: yes
services:
  a:
    targets: http://127.0.0.1:1
    circuitBreaker: on
routes: {}
`),
      [
        'gateway.yaml:2:10 workers: expected a number, got "two"',
        'gateway.yaml:3:12 accessLog: expected true/false or a mapping, got "yes"',
        'gateway.yaml:6:14 services.a.targets: expected a list, got "http://127.0.0.1:1"',
        'gateway.yaml:7:21 services.a.circuitBreaker: expected true/false or a mapping, got "on"',
        'gateway.yaml:8:9 routes: expected a list, got a mapping',
      ],
    );
  });

  test('unknown keys are refused everywhere, with a suggestion when one is close', () => {
    assert.deepEqual(
      problems(`listen: 8080
limit: { maxBodySize: 1mb }
services:
  a:
    targets: [http://127.0.0.1:1]
    blancer: random
    pool: { conections: 4, frobnicate: 1 }
routes:
  - match: { pth: /a, path: /a }
    service: a
`),
      [
        'gateway.yaml:2:1 limit: unknown key "limit" (did you mean "limits"?)',
        'gateway.yaml:6:5 services.a.blancer: unknown key "blancer" (did you mean "balancer"?)',
        'gateway.yaml:7:13 services.a.pool.conections: unknown key "conections" (did you mean "connections"?)',
        'gateway.yaml:7:28 services.a.pool.frobnicate: unknown key "frobnicate"',
        'gateway.yaml:9:14 routes[0].match.pth: unknown key "pth" (did you mean "path"?)',
      ],
    );
  });

  test('an unknown service names its exact place and the close name', () => {
    const yaml = `listen: 8080
services:
  payment: { targets: ["http://127.0.0.1:8002"] }
  orders: { targets: ["http://127.0.0.1:8003"] }
routes:
  - match: { path: /a }
    service: payment
  - match: { path: /b }
    service: orders
  - match: { path: /c }
    service: paymnt
  - match: { path: /d }
    service: shipping
`;
    assert.deepEqual(problems(yaml), [
      'gateway.yaml:11:14 routes[2].service: unknown service "paymnt" (did you mean "payment"?)',
      'gateway.yaml:13:14 routes[3].service: unknown service "shipping"',
    ]);
  });

  test('bad durations, sizes, URLs, listen addresses and ranges', () => {
    assert.deepEqual(
      problems(`listen: 127.0.0.1:70000
admin: { listen: localhost }
registry: { address: "consul:8500" }
limits: { maxBodySize: 10 MiB, requestTimeout: 5 seconds, headersTimeout: -1 }
services:
  a:
    targets: ["http://127.0.0.1:1/api", "ftp://127.0.0.1:2"]
    outlierDetection: { maxEjectionPercent: 150 }
routes:
  - match: { path: /a }
    service: a
    timeouts: { connect: 0, read: 1000h }
    retries: { attempts: 11 }
`),
      [
        'gateway.yaml:1:9 listen: port 70000 is out of range 0..65535',
        'gateway.yaml:2:18 admin.listen: expected "host:port" (e.g. 127.0.0.1:8080), ":port" or a port number, got "localhost"',
        'gateway.yaml:3:22 registry.address: expected an http(s) URL for the registry address, like http://127.0.0.1:8002, got "consul:8500"',
        'gateway.yaml:4:24 limits.maxBodySize: expected a size like "16kb", "10mb" or "1gb", got "10 MiB"',
        'gateway.yaml:4:48 limits.requestTimeout: expected a positive duration like "250ms", "5s", "1m" or "1h", got "5 seconds"',
        'gateway.yaml:4:75 limits.headersTimeout: must be at least 0, got -1',
        'gateway.yaml:7:15 services.a.targets[0]: a target URL is an origin (scheme://host:port) and may not have a path ("/api"; use the route\'s rewrite or stripPrefix)',
        'gateway.yaml:7:41 services.a.targets[1]: expected an http(s) URL for an upstream target, like http://127.0.0.1:8002, got "ftp://127.0.0.1:2"',
        'gateway.yaml:8:45 services.a.outlierDetection.maxEjectionPercent: must be at most 100, got 150',
        'gateway.yaml:12:26 routes[0].timeouts.connect: must be greater than 0',
        'gateway.yaml:12:35 routes[0].timeouts.read: must be at most 2147483647 ms (about 24 days, the timer limit)',
        'gateway.yaml:13:26 routes[0].retries.attempts: must be at most 10, got 11',
      ],
    );
  });

  test('enum values suggest the close one', () => {
    assert.deepEqual(
      problems(`listen: 8080
services:
  a: { targets: [http://127.0.0.1:1], balancer: least-requests }
`),
      [
        'gateway.yaml:3:49 services.a.balancer: expected one of "round-robin", "weighted", "random", "least-request", "consistent-hash", "peak-ewma", got "least-requests" (did you mean "least-request"?)',
      ],
    );
  });

  test('a missing required key points at the mapping that lacks it', () => {
    assert.deepEqual(
      problems(`listen: 8080
services: { a: { targets: [http://127.0.0.1:1] } }
routes:
  - match: { path: /a }
  - service: a
`),
      [
        'gateway.yaml:4:5 routes[0].service: missing required key "service" (or "aggregate", for a BFF aggregation route)',
        'gateway.yaml:5:5 routes[1].match: missing required key "match"',
      ],
    );
  });

  test('all problems are collected, in file order, not just the first', () => {
    const list = problems(`listen: nope
workers: 0
services:
  a: { targets: [ftp://x], balancer: x }
routes:
  - match: { path: a }
    service: b
`);
    assert.equal(list.length, 6, list.join('\n'));
    const lines = list.map((l) => Number(/^gateway\.yaml:(\d+):/.exec(l)![1]));
    assert.deepEqual(
      lines,
      [...lines].sort((a, b) => a - b),
    );
  });
});

describe('parseGatewayConfig: environment variables', () => {
  test('${VAR} and ${VAR:-default} resolve in values, also inside flow mappings', () => {
    const c = valid(
      `listen: \${HOST:-127.0.0.1}:\${PORT}
admin: { listen: 127.0.0.1:9901, token: \${ADMIN_TOKEN} }
workers: \${WORKERS}
registry: { address: "\${REGISTRY}", token: '\${NOPE:-}' }
services:
  a: { targets: ["http://\${UP_HOST}:8002"] }
routes:
  - { match: { path: /a, headers: { X-Env: "$\${literal}" } }, service: a }
`,
      {
        PORT: '8080',
        ADMIN_TOKEN: 's3cr#t: {x}',
        WORKERS: '2',
        REGISTRY: 'http://r:8500',
        UP_HOST: 'u',
        NOPE: 'x',
      },
    );
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 8080, http2: false });
    assert.equal(c.admin?.token, 's3cr#t: {x}', 'a value never changes the YAML structure');
    assert.equal(c.workers, 2, 'an unquoted whole reference is retyped like YAML would');
    assert.equal(c.registry?.address, 'http://r:8500');
    assert.equal(c.registry?.token, 'x');
    assert.equal(
      c.services.a!.source.kind === 'static' && c.services.a!.source.targets[0]!.url,
      'http://u:8002',
    );
    assert.deepEqual(c.routes[0]!.match.headers, [
      { name: 'x-env', kind: 'exact', value: '${literal}' },
    ]);
  });

  test('a quoted reference stays a string; an empty variable takes the default', () => {
    assert.deepEqual(problems('listen: 8080\nworkers: "${W}"\n', { W: '2' }), [
      'gateway.yaml:2:10 workers: expected a number, got "2"',
    ]);
    assert.equal(valid('listen: ${P:-8080}\n', { P: '' }).listen.port, 8080);
  });

  test('a missing variable is reported once, at its own line and column', () => {
    // the long value on line 1 shifts nothing: positions are those of the original text
    assert.deepEqual(
      problems(
        `listen: 8080 # \${IN_A_COMMENT_IS_IGNORED}
admin: { listen: "\${ADMIN_HOST}:9901", token: \${ADMIN_TOKEN} }
services: { a: { targets: [http://127.0.0.1:1] } }
routes: [{ match: { path: /a }, service: \${SVC} }]
`,
        { ADMIN_HOST: 'not a host '.repeat(20) },
      ),
      [
        'gateway.yaml:2:18 admin.listen: expected "host:port" (e.g. 127.0.0.1:8080), ":port" or a port number, got "not a host not a host not a host not a host not a host no..."',
        'gateway.yaml:2:47 admin.token: environment variable ADMIN_TOKEN is not set (use ${ADMIN_TOKEN:-default} to give a default)',
        'gateway.yaml:4:42 routes[0].service: environment variable SVC is not set (use ${SVC:-default} to give a default)',
      ],
    );
  });

  test('a malformed reference is an error, not silently kept', () => {
    assert.deepEqual(problems('listen: 8080\nregistry: { address: "http://${1BAD}" }\n'), [
      'gateway.yaml:2:22 registry.address: malformed variable reference: use ${NAME} or ${NAME:-default} ($${ for a literal ${)',
    ]);
  });
});

describe('parseGatewayConfig: hostile input is bounded', () => {
  test('a file over 1 MB is refused before parsing', () => {
    const big = `listen: 8080\n# ${'x'.repeat(5 * 1024 * 1024)}\n`;
    const started = performance.now();
    assert.deepEqual(problems(big), [
      'gateway.yaml: the file is 5.0 MB; a gateway config may be at most 1 MB',
    ]);
    assert.ok(performance.now() - started < 500);
  });

  test('deeply nested YAML is refused at once, at the level that is too deep', () => {
    const depth = 400_000;
    const started = performance.now();
    const deep = `listen: 8080\nroutes: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    assert.ok(Buffer.byteLength(deep) < MAX_CONFIG_BYTES);
    const list = problems(deep);
    assert.equal(list.length, 1, list.slice(0, 3).join('\n'));
    assert.ok(performance.now() - started < 500);
    assert.equal(
      list[0],
      'gateway.yaml:2:73: the document is nested too deeply (over 64 levels of [ ] and { })',
    );
  });

  test('an alias bomb (billion laughs) is refused', () => {
    const bomb = `listen: 8080
x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
x-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
x-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
x-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
x-e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
x-f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
x-g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
`;
    assert.deepEqual(problems(bomb), [
      'gateway.yaml: too many YAML alias expansions (over 100): refusing a document that expands exponentially ("billion laughs")',
    ]);
  });

  test('nesting the parser cannot take is one problem, not a crash', () => {
    // indentation nesting: each level costs more bytes, so the parser's own guard suffices
    const deep = Array.from({ length: 1400 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
    const list = problems(`listen: 8080\nx:\n${deep} 1\n`);
    assert.equal(list.length, 1, list.slice(0, 3).join('\n'));
    assert.match(list[0]!, /^gateway\.yaml:\d+:\d+: the document is nested too deeply$/);
  });

  test('brackets inside quotes and comments do not count as nesting', () => {
    const c = valid(`listen: 8080 # ${'['.repeat(100)}
services: { a: { targets: [http://127.0.0.1:1] } }
routes:
  - match: { path: /a, headers: { X-R: { regex: "${'['.repeat(70)}a${']'.repeat(70)}" } } }
    service: a
`);
    assert.equal(c.routes[0]!.match.headers[0]!.kind, 'regex');
  });

  test('ordinary anchors and aliases work', () => {
    const c = valid(`listen: 8080
services: { a: { targets: [http://127.0.0.1:1] } }
routes:
  - { match: { path: /a }, service: a, timeouts: &slow { read: 2m } }
  - { match: { path: /b }, service: a, timeouts: *slow }
`);
    assert.equal(c.routes[1]!.timeouts.read, 120_000);
  });
});

describe('loadGatewayConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('loads a file', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, ISSUE_EXAMPLE);
    const c = await loadGatewayConfig(file);
    assert.equal(c.routes.length, 2);
  });

  test('throws ConfigError with every problem, formatted in the message', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'listen: 8080\nworkers: 0\nfoo: 1\n');
    const error = await loadGatewayConfig(file).then(
      () => assert.fail('expected a ConfigError'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'SY_GW_CONFIG_INVALID');
    assert.deepEqual(error.problems, [
      { file, line: 2, column: 10, path: 'workers', message: 'must be at least 1, got 0' },
      { file, line: 3, column: 1, path: 'foo', message: 'unknown key "foo"' },
    ]);
    assert.equal(
      error.message,
      `invalid gateway config ${file} (2 problems):\n${file}:2:10 workers: must be at least 1, got 0\n${file}:3:1 foo: unknown key "foo"`,
    );
  });

  test('a missing file, a directory and a 5 MB file are ConfigErrors', async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `listen: 8080\n#${'x'.repeat(5 * 1024 * 1024)}\n`);
    for (const [file, message] of [
      [join(dir, 'nope.yaml'), /cannot read the file: ENOENT/],
      [dir, /not a regular file/],
      [big, /the file is 5\.0 MB; a gateway config may be at most 1 MB/],
    ] as const) {
      await assert.rejects(loadGatewayConfig(file), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.problems.length, 1);
        assert.match(e.problems[0]!.message, message);
        return true;
      });
    }
  });

  test('relative TLS paths resolve against the config file and must exist', async () => {
    writeFileSync(join(dir, 'cert.pem'), 'x');
    const file = join(dir, 'tls.yaml');
    writeFileSync(file, 'listen: { address: ":8443", tls: { cert: cert.pem, key: key.pem } }\n');
    await assert.rejects(loadGatewayConfig(file), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems.map(formatProblem), [
        `${file}:1:57 listen.tls.key: file not found: ${join(dir, 'key.pem')}`,
      ]);
      return true;
    });
    writeFileSync(join(dir, 'key.pem'), 'x');
    const c = await loadGatewayConfig(file);
    assert.deepEqual(c.listen.tls, {
      cert: join(dir, 'cert.pem'),
      key: join(dir, 'key.pem'),
      minVersion: 'TLSv1.2',
    });
  });
});
