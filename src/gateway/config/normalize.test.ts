import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatProblem } from './config-error.js';
import { parseGatewayConfig } from './load-config.js';

function load(yaml: string) {
  const result = parseGatewayConfig(yaml, '/etc/sy/gateway.yaml', { env: {}, checkFiles: false });
  assert.deepEqual(result.problems.map(formatProblem), []);
  return result.config!;
}

/** Every key of the config shape, each set away from its default. */
const FULL = `listen:
  address: 0.0.0.0:8443
  tls: { cert: certs/c.pem, key: /abs/k.pem, minVersion: TLSv1.3 }
  http2: true
admin: { listen: ":9902", token: admin-secret }
registry: { address: "http://consul:8500/", token: reg-secret, datacenter: dc2 }
workers: 4
limits:
  maxHeaderSize: 32kb
  maxBodySize: 1.5mb
  requestTimeout: 2m
  headersTimeout: 5s
  keepAliveTimeout: 0
  drainTimeout: 45000
accessLog: { enabled: false }
reload: { watch: false }
services:
  users:
    balancer: consistent-hash
    hashOn: header:X-User-ID
    discovery: { service: users-v2, tags: [v2, blue], passingOnly: false }
    circuitBreaker: false
    outlierDetection: { consecutive5xx: 3, maxEjectionPercent: 33.3 }
    healthCheck: { path: /healthz, interval: 1s, expectStatus: [200, "2xx", "300-304"] }
    pool: { connections: 16 }
    tls: { ca: ca.pem, servername: users.internal, rejectUnauthorized: false }
  orders:
    targets: ["https://10.0.0.1:8443/", { url: "http://10.0.0.2:80", weight: 3 }]
    balancer: weighted
    circuitBreaker: { failureThreshold: 10 }
    outlierDetection: false
    healthCheck: true
  edge:
    dns: { name: _http._tcp.edge.service.consul }
    balancer: consistent-hash
  legacy:
    dns: { name: legacy.internal, port: 8080, interval: 30s }
routes:
  - name: user
    match:
      path: /users/:id
      host: [API.example.com, "*.example.com"]
      method: [get, HEAD, GET]
      headers:
        X-Canary: true
        X-Env: { prefix: prod }
        X-Debug: { present: true }
        X-V: { regex: "^v[0-9]+$" }
        X-Exact: { exact: "1" }
    service: users
    rewrite: /v2/users/:id
    timeouts: { connect: 1s, read: 10s, total: 20s }
    retries:
      on: [timeout, 5xx, 5xx]
      statuses: [429]
      perTryTimeout: 2s
      backoff: { base: 10ms }
      budget: { ratio: 0.5, minPerSecond: 1 }
      nonIdempotent: true
    headers:
      request: { add: { X-A: a }, set: { X-B: 2 }, remove: [X-C] }
      response: { remove: [Server] }
    websocket: false
    maxBodySize: 1mb
  - match: { path: /api/, type: prefix }
    service: orders
    stripPrefix: true
    retries: true
  - match: { path: /exact, type: exact, method: POST }
    service: edge
    stripPrefix: /ex
    retries: false
`;

describe('normalizeConfig', () => {
  const c = load(FULL);

  test('listen, admin, registry and top-level settings', () => {
    assert.deepEqual(c.listen, {
      host: '0.0.0.0',
      port: 8443,
      tls: { cert: '/etc/sy/certs/c.pem', key: '/abs/k.pem', minVersion: 'TLSv1.3' },
      http2: true,
    });
    assert.deepEqual(c.admin, { host: '127.0.0.1', port: 9902, token: 'admin-secret' });
    assert.deepEqual(c.registry, {
      address: 'http://consul:8500',
      token: 'reg-secret',
      datacenter: 'dc2',
    });
    assert.equal(c.workers, 4);
    assert.deepEqual(c.limits, {
      maxHeaderSize: 32 * 1024,
      maxBodySize: 1.5 * 1024 * 1024,
      requestTimeout: 120_000,
      headersTimeout: 5000,
      keepAliveTimeout: 0,
      drainTimeout: 45_000,
    });
    assert.equal(c.accessLog, false);
    assert.deepEqual(c.reload, { watch: false });
  });

  test('a registry service with every option', () => {
    assert.deepEqual(c.services.users, {
      name: 'users',
      source: { kind: 'registry', service: 'users-v2', tags: ['v2', 'blue'], passingOnly: false },
      balancer: 'consistent-hash',
      hashOn: { kind: 'header', name: 'x-user-id' },
      circuitBreaker: false,
      outlierDetection: {
        consecutive5xx: 3,
        consecutiveConnectFailures: 1,
        baseEjectionTime: 30_000,
        maxEjectionTime: 300_000,
        maxEjectionPercent: 33.3,
      },
      healthCheck: {
        path: '/healthz',
        interval: 1000,
        timeout: 2000,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        expectStatus: [
          [200, 200],
          [200, 299],
          [300, 304],
        ],
      },
      pool: { connections: 16, keepAliveTimeout: 30_000 },
      tls: { ca: '/etc/sy/ca.pem', servername: 'users.internal', rejectUnauthorized: false },
    });
  });

  test('static targets (origins, weights) and partial policies over defaults', () => {
    const s = c.services.orders!;
    assert.deepEqual(s.source, {
      kind: 'static',
      targets: [
        { url: 'https://10.0.0.1:8443', weight: 1 },
        { url: 'http://10.0.0.2', weight: 3 },
      ],
    });
    assert.equal(s.hashOn, undefined);
    assert.deepEqual(s.circuitBreaker, {
      failureThreshold: 10,
      cooldown: 30_000,
      successThreshold: 2,
    });
    assert.equal(s.outlierDetection, false);
    assert.deepEqual(s.healthCheck?.expectStatus, [[200, 399]]);
    assert.equal(s.tls, undefined);
  });

  test('dns services: SRV inferred from a leading _, A otherwise; consistent-hash defaults to ip', () => {
    assert.deepEqual(c.services.edge!.source, {
      kind: 'dns',
      name: '_http._tcp.edge.service.consul',
      type: 'SRV',
      port: undefined,
      interval: 5000,
    });
    assert.deepEqual(c.services.edge!.hashOn, { kind: 'ip' });
    assert.deepEqual(c.services.legacy!.source, {
      kind: 'dns',
      name: 'legacy.internal',
      type: 'A',
      port: 8080,
      interval: 30_000,
    });
    assert.equal(c.services.legacy!.healthCheck, undefined);
  });

  test('a route with every option', () => {
    assert.deepEqual(c.routes[0], {
      name: 'user',
      index: 0,
      match: {
        path: '/users/:id',
        type: 'pattern',
        hosts: ['api.example.com', '*.example.com'],
        methods: ['GET', 'HEAD'],
        headers: [
          { name: 'x-canary', kind: 'exact', value: 'true' },
          { name: 'x-env', kind: 'prefix', value: 'prod' },
          { name: 'x-debug', kind: 'present' },
          { name: 'x-v', kind: 'regex', value: '^v[0-9]+$' },
          { name: 'x-exact', kind: 'exact', value: '1' },
        ],
      },
      service: 'users',
      stripPrefix: undefined,
      rewrite: '/v2/users/:id',
      timeouts: { connect: 1000, read: 10_000, total: 20_000 },
      retries: {
        attempts: 3,
        on: ['timeout', '5xx'],
        statuses: [429],
        perTryTimeout: 2000,
        backoff: { base: 10, max: 250 },
        budget: { ratio: 0.5, minPerSecond: 1 },
        nonIdempotent: true,
      },
      headers: {
        request: { add: [['x-a', 'a']], set: [['x-b', '2']], remove: ['x-c'] },
        response: { add: [], set: [], remove: ['server'] },
      },
      websocket: false,
      maxBodySize: 1024 * 1024,
    });
  });

  test('stripPrefix: true strips the match path; retries: true takes the defaults', () => {
    const [, api, exact] = c.routes;
    assert.equal(api!.name, 'routes[1]');
    assert.equal(api!.stripPrefix, '/api/');
    assert.deepEqual(api!.retries, {
      attempts: 3,
      on: ['connect-failure', 'reset', '5xx'],
      statuses: [],
      perTryTimeout: undefined,
      backoff: { base: 25, max: 250 },
      budget: { ratio: 0.2, minPerSecond: 10 },
      nonIdempotent: false,
    });
    assert.equal(api!.maxBodySize, 1.5 * 1024 * 1024, 'limits.maxBodySize is the default');
    assert.equal(exact!.stripPrefix, '/ex');
    assert.equal(exact!.retries.attempts, 1);
    assert.equal(exact!.match.type, 'exact');
  });

  test('listen shorthands: a port, ":port", and [v6]:port', () => {
    assert.deepEqual(load('listen: 8080\n').listen, {
      host: '127.0.0.1',
      port: 8080,
      http2: false,
    });
    assert.deepEqual(load('listen: ":0"\n').listen, { host: '127.0.0.1', port: 0, http2: false });
    assert.deepEqual(load('listen: "[::1]:8080"\n').listen, {
      host: '::1',
      port: 8080,
      http2: false,
    });
    const bare = load('listen: 8080\n');
    assert.equal(bare.admin, undefined, 'no admin key: no admin listener');
    assert.deepEqual(bare.services, {});
    assert.deepEqual(bare.routes, []);
    assert.equal(load('listen: 8080\nadmin: false\n').admin, undefined);
    assert.deepEqual(load('listen: 8080\nadmin: {}\n').admin, { host: '127.0.0.1', port: 9901 });
  });
});
