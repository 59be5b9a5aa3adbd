import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatProblem } from './config-error.js';
import { parseGatewayConfig } from './load-config.js';
import { precedenceReason, routePrecedence } from './route-precedence.js';
import type { RouteConfig } from './types.js';

function routes(list: string): RouteConfig[] {
  const yaml = `listen: 8080\nservices: { s: { targets: [http://127.0.0.1:1] } }\nroutes:\n${list}`;
  const result = parseGatewayConfig(yaml, 'gateway.yaml', { env: {} });
  assert.deepEqual(result.problems.map(formatProblem), []);
  return result.config!.routes;
}

const names = (list: RouteConfig[]) => routePrecedence(list).map((r) => r.name);

describe('routePrecedence', () => {
  test('exact beats pattern at the same place; a literal segment beats a :param', () => {
    const r = routes(`  - { name: param, match: { path: /users/:id }, service: s }
  - { name: me, match: { path: /users/me, type: exact }, service: s }
  - { name: pattern-me, match: { path: /users/me, type: pattern }, service: s }
`);
    assert.deepEqual(names(r), ['me', 'pattern-me', 'param']);
  });

  test('the longer literal prefix first; a prefix comes after everything under it', () => {
    const r = routes(`  - { name: api, match: { path: /api }, service: s }
  - { name: root, match: { path: / }, service: s }
  - { name: users, match: { path: /api/v1/users }, service: s }
  - { name: v1, match: { path: /api/v1 }, service: s }
  - { name: user, match: { path: /api/v1/users/:id }, service: s }
  - { name: files, match: { path: /api/files/* }, service: s }
  - { name: exact-api, match: { path: /api, type: exact }, service: s }
`);
    assert.deepEqual(names(r), ['exact-api', 'user', 'users', 'v1', 'files', 'api', 'root']);
  });

  test('a pattern ending in /* comes after deeper routes but before a prefix at the same place', () => {
    const r = routes(`  - { name: prefix, match: { path: /f }, service: s }
  - { name: rest, match: { path: /f/* }, service: s }
  - { name: deeper, match: { path: /f/x/y }, service: s }
`);
    assert.deepEqual(names(r), ['deeper', 'rest', 'prefix']);
  });

  test('ties on the path: exact host, wildcard host, any; then methods; then headers; then order', () => {
    const r = routes(`  - { name: any, match: { path: /a }, service: s }
  - { name: headers2, match: { path: /a, headers: { X-A: "1", X-B: "2" } }, service: s }
  - { name: method, match: { path: /a, method: GET }, service: s }
  - { name: wild, match: { path: /a, host: "*.example.com" }, service: s }
  - { name: exact-host, match: { path: /a, host: [api.example.com, "*.example.com"] }, service: s }
  - { name: headers1, match: { path: /a, headers: { X-A: "2" } }, service: s }
  - { name: headers1-later, match: { path: /a, headers: { X-A: "3" } }, service: s }
`);
    assert.deepEqual(names(r), [
      'exact-host',
      'wild',
      'method',
      'headers2',
      'headers1',
      'headers1-later',
      'any',
    ]);
  });

  test('routes that never compete keep config order, and the input is not changed', () => {
    const r = routes(`  - { name: users, match: { path: /api/v1/users }, service: s }
  - { name: orders, match: { path: /api/v1/orders }, service: s }
  - { name: health, match: { path: /health, type: exact }, service: s }
`);
    assert.deepEqual(names(r), ['users', 'orders', 'health']);
    assert.deepEqual(
      r.map((x) => x.index),
      [0, 1, 2],
    );
  });

  test('every route appears exactly once', () => {
    const list = Array.from({ length: 40 }, (_, i) => {
      const literal = i % 3 === 0;
      const path = `/p${i % 5}/${literal ? 'lit' : ':x'}/q${i}${!literal && i % 4 === 0 ? '/*' : ''}`;
      const type = literal && i % 2 === 0 ? ', type: exact' : '';
      return `  - { name: r${i}, match: { path: "${path}"${type} }, service: s }\n`;
    });
    const r = routes(list.join(''));
    const sorted = routePrecedence(r);
    assert.equal(sorted.length, r.length);
    assert.equal(new Set(sorted).size, r.length);
  });

  test('precedenceReason explains a position', () => {
    const [r] = routes('  - { match: { path: /a/b, method: [GET], host: x.io }, service: s }\n');
    assert.equal(
      precedenceReason(r!),
      'prefix, after deeper routes (2 segments); exact host; GET; 0 headers; #0',
    );
  });
});
