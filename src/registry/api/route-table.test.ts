import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteTable } from './route-table.js';

const noop = () => {};

test('exact paths win over prefixes; the longest prefix wins; the rest is the raw param', () => {
  const table = new RouteTable()
    .add('PUT', '/v1/agent/service/register', noop)
    .add('GET', '/v1/agent/service/*', noop)
    .add('PUT', '/v1/agent/service/deregister/*', noop)
    .add('GET', '/v1/kv/*', noop)
    .add('PUT', '/v1/kv/*', noop);
  assert.equal(
    table.match('/v1/agent/service/register')?.route.pattern,
    '/v1/agent/service/register',
  );
  const dereg = table.match('/v1/agent/service/deregister/web%3A1');
  assert.equal(dereg?.route.pattern, '/v1/agent/service/deregister/');
  assert.equal(dereg?.rawParam, 'web%3A1');
  assert.equal(table.match('/v1/agent/service/web1')?.rawParam, 'web1');
  assert.equal(table.match('/v1/kv/a/b/c')?.rawParam, 'a/b/c');
  assert.equal(table.match('/v1/kv/')?.rawParam, '');
  assert.equal(table.match('/v1/kv'), undefined);
  assert.equal(table.match('/v2/kv/a'), undefined);
  assert.equal(
    table.match('/v1/agent/service/register/extra')?.route.pattern,
    '/v1/agent/service/',
  );
});

test('methods of one pattern share a route, and Allow lists them', () => {
  const table = new RouteTable().add('GET', '/v1/kv/*', noop).add('PUT', '/v1/kv/*', noop);
  const route = table.match('/v1/kv/x')!.route;
  assert.equal(route.allow, 'GET, PUT');
  assert.equal(route.methods.GET?.write, false);
  assert.equal(route.methods.PUT?.write, true);
  assert.equal(route.methods.DELETE, undefined);
  assert.throws(() => table.add('GET', '/v1/kv/*', noop), /added twice/);
});
