import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatProblem } from './config-error.js';
import { parseGatewayConfig } from './load-config.js';

function problems(yaml: string): string[] {
  const result = parseGatewayConfig(yaml, 'gateway.yaml', { env: {}, checkFiles: false });
  assert.equal(result.config, undefined, 'expected the config to be rejected');
  return result.problems.map(formatProblem);
}

const HEAD = 'listen: 8080\nregistry: { address: "http://127.0.0.1:8500" }\n';

describe('semantic checks', () => {
  test('services: targets with dns, discovery with targets, hashOn without consistent-hash, SRV port', () => {
    assert.deepEqual(
      problems(`${HEAD}services:
  a:
    targets: [http://127.0.0.1:1]
    dns: { name: a.internal }
    discovery: { service: a }
  b:
    dns: { name: _b._tcp.consul, port: 80 }
    hashOn: ip
  c:
    balancer: random
    outlierDetection: { baseEjectionTime: 10m, maxEjectionTime: 1m }
`),
      [
        'gateway.yaml:6:10 services.a.dns: give targets or dns, not both',
        'gateway.yaml:7:16 services.a.discovery: discovery is for registry services (ones with no targets or dns)',
        'gateway.yaml:9:40 services.b.dns.port: SRV records carry their own ports; remove port',
        'gateway.yaml:10:13 services.b.hashOn: hashOn needs balancer: consistent-hash (the balancer is "round-robin")',
        'gateway.yaml:13:65 services.c.outlierDetection.maxEjectionTime: is below baseEjectionTime',
      ],
    );
  });

  test('a registry service needs a top-level registry', () => {
    assert.deepEqual(problems('listen: 8080\nservices:\n  users: { balancer: random }\n'), [
      'gateway.yaml:3:3 services.users: has no targets or dns, so it would be discovered from the registry, but no top-level registry is configured',
    ]);
  });

  test('duplicate route names and identical matches', () => {
    assert.deepEqual(
      problems(`${HEAD}services: { a: { targets: [http://127.0.0.1:1] } }
routes:
  - { name: one, match: { path: /a, method: [GET, POST], host: [x.io, Y.io] }, service: a }
  - { name: two, match: { path: /a, method: GET }, service: a }
  - { name: one, match: { path: /b }, service: a }
  - { match: { path: /a, type: prefix, method: [post, get], host: [y.io, x.io] }, service: a }
  - { match: { path: /c, headers: { X-A: "1", X-B: { prefix: p } } }, service: a }
  - { match: { path: /c, headers: { x-b: { prefix: p }, x-a: { exact: "1" } } }, service: a }
`),
      [
        'gateway.yaml:7:13 routes[2].name: duplicate route name "one" (also routes[0])',
        'gateway.yaml:8:14 routes[3].match: routes[3] duplicates routes[0] (same path, type, host, method and headers), so it could never be chosen',
        'gateway.yaml:10:14 routes[5].match: routes[5] duplicates routes[4] (same path, type, host, method and headers), so it could never be chosen',
      ],
    );
  });

  test('paths, patterns, regexes, stripPrefix and rewrite', () => {
    assert.deepEqual(
      problems(`${HEAD}services: { a: { targets: [http://127.0.0.1:1] } }
routes:
  - { match: { path: api }, service: a }
  - { match: { path: "/a//b" }, service: a }
  - { match: { path: /a/../b }, service: a }
  - { match: { path: "/a%2Fb" }, service: a }
  - { match: { path: /a/:id/:id }, service: a }
  - { match: { path: /a/*/b }, service: a }
  - { match: { path: /r, headers: { X: { regex: "(" } } }, service: a }
  - { match: { path: /s/:id }, service: a, stripPrefix: true }
  - { match: { path: /t }, service: a, stripPrefix: /u }
  - { match: { path: /v/:id }, service: a, rewrite: /w/:name/* }
  - { match: { path: /x }, service: a, rewrite: /y, stripPrefix: true }
  - { match: { path: /z, headers: { X: { prefix: a, regex: b } } }, service: a }
`),
      [
        'gateway.yaml:5:22 routes[0].match.path: path must start with /',
        'gateway.yaml:6:22 routes[1].match.path: path may not contain an empty segment (//)',
        'gateway.yaml:7:22 routes[2].match.path: path may not contain . or .. segments',
        'gateway.yaml:8:22 routes[3].match.path: path may not contain an encoded slash (%2F or %5C)',
        'gateway.yaml:9:22 routes[4].match.path: parameter :id appears twice',
        'gateway.yaml:10:22 routes[5].match.path: * may only be the last segment',
        'gateway.yaml:11:49 routes[6].match.headers.X.regex: invalid regular expression: Invalid regular expression: /(/: Unterminated group',
        'gateway.yaml:12:57 routes[7].stripPrefix: stripPrefix: true needs a prefix or exact match; give the prefix to strip',
        'gateway.yaml:13:53 routes[8].stripPrefix: "/u" is not a prefix of match.path "/t"',
        'gateway.yaml:14:53 routes[9].rewrite: rewrite uses :name, which match.path does not capture',
        'gateway.yaml:14:53 routes[9].rewrite: rewrite uses *, but match.path has no * segment',
        'gateway.yaml:15:49 routes[10].rewrite: give stripPrefix or rewrite, not both (rewrite replaces the whole path)',
        'gateway.yaml:16:40 routes[11].match.headers.X: give exactly one of exact, prefix, regex, present (got 2)',
      ],
    );
  });

  test('hosts, methods and header edits', () => {
    assert.deepEqual(
      problems(`${HEAD}services: { a: { targets: [http://127.0.0.1:1] } }
routes:
  - match: { path: /a, host: "api.example.com:8080", method: [GET, FETCH] }
    service: a
    headers: { request: { set: { Content-Length: "1", "Bad Name": x }, add: { X-A: "a\\nb" } } }
`),
      [
        'gateway.yaml:5:30 routes[0].match.host: expected a host name like api.example.com or *.example.com (no port, no scheme), got "api.example.com:8080"',
        'gateway.yaml:5:68 routes[0].match.method[1]: unknown HTTP method "FETCH" (did you mean "PATCH"?)',
        'gateway.yaml:7:34 routes[0].headers.request.set.Content-Length: invalid name "Content-Length": a hop-by-hop or framing header cannot be set by a route',
        'gateway.yaml:7:55 routes[0].headers.request.set["Bad Name"]: invalid name "Bad Name": expected an HTTP header name (letters, digits, -)',
        'gateway.yaml:7:84 routes[0].headers.request.add.X-A: a header value may not contain CR, LF or NUL',
      ],
    );
  });

  test('listeners: admin beyond loopback needs a token; admin and listen may not share a port', () => {
    assert.deepEqual(problems('listen: 0.0.0.0:8080\nadmin: { listen: "0.0.0.0:8080" }\n'), [
      'gateway.yaml:2:18 admin.listen: the admin API listens on 0.0.0.0, beyond loopback, without a token: set admin.token or listen on 127.0.0.1',
      'gateway.yaml:2:18 admin.listen: uses the same port as listen (8080)',
    ]);
    assert.deepEqual(problems('listen: { address: 8080, http2: true }\n'), [
      'gateway.yaml:1:33 listen.http2: HTTP/2 is served over TLS (chosen by ALPN): add listen.tls',
    ]);
    assert.deepEqual(problems('listen: 8080\nlimits: { headersTimeout: 2m }\n'), [
      'gateway.yaml:2:27 limits.headersTimeout: must not exceed requestTimeout (60000 ms)',
    ]);
  });

  test('cross-checks still run when other parts of the file are invalid', () => {
    assert.deepEqual(
      problems(`listen: 8080
workers: -1
services: { payment: { targets: [http://127.0.0.1:1], balancer: nope } }
routes: [{ match: { path: /a }, service: paymnt, timeouts: { read: soon } }]
`),
      [
        'gateway.yaml:2:10 workers: must be at least 1, got -1',
        'gateway.yaml:3:65 services.payment.balancer: expected one of "round-robin", "weighted", "random", "least-request", "consistent-hash", "peak-ewma", got "nope"',
        'gateway.yaml:4:42 routes[0].service: unknown service "paymnt" (did you mean "payment"?)',
        'gateway.yaml:4:68 routes[0].timeouts.read: expected a positive duration like "250ms", "5s", "1m" or "1h", got "soon"',
      ],
    );
  });
});
