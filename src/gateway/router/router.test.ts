import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import { createRouter } from './router.js';
import {
  RouteInvalidError,
  type HeaderMatcherSpec,
  type RouteInput,
  type RouteMatchSpec,
  type Router,
} from './router-types.js';

type Opts = Partial<Omit<RouteMatchSpec, 'path'>>;

/** A route whose data is its id; type defaults as the config does (pattern if :param or *). */
function route(id: string, path: string, opts: Opts = {}): RouteInput<string> {
  const type = opts.type ?? (/(^|\/)[:*]/.test(path) ? 'pattern' : 'prefix');
  return {
    id,
    match: {
      path,
      type,
      hosts: opts.hosts ?? [],
      methods: opts.methods ?? [],
      headers: opts.headers ?? [],
    },
    data: id,
  };
}

interface Req {
  method?: string;
  host?: string | undefined;
  headers?: IncomingHttpHeaders;
}

function hit(router: Router<string>, path: string, req: Req = {}): string | undefined {
  const host = 'host' in req ? req.host : 'example.com';
  return router.find(req.method ?? 'GET', host, path, req.headers ?? {})?.data;
}

function match(router: Router<string>, path: string, req: Req = {}) {
  const m = router.find(req.method ?? 'GET', req.host ?? 'example.com', path, req.headers ?? {});
  assert.ok(m, `no match for ${path}`);
  return { id: m.data, params: { ...m.params }, matchedPath: m.matchedPath };
}

void describe('router: path precedence', () => {
  void test('exact beats prefix on the same path; the prefix takes what is below', () => {
    const r = createRouter([
      route('prefix', '/users'),
      route('exact', '/users', { type: 'exact' }),
    ]);
    assert.equal(hit(r, '/users'), 'exact');
    assert.equal(hit(r, '/users/7'), 'prefix');
  });

  void test('the deepest matching prefix wins, falling back to shallower ones', () => {
    const r = createRouter([
      route('root', '/'),
      route('api', '/api'),
      route('v1', '/api/v1'),
      route('users', '/api/v1/users'),
    ]);
    assert.equal(hit(r, '/api/v1/users/7/orders'), 'users');
    assert.equal(hit(r, '/api/v1/users'), 'users');
    assert.equal(hit(r, '/api/v1/orders'), 'v1');
    assert.equal(hit(r, '/api/v2'), 'api');
    assert.equal(hit(r, '/other'), 'root');
    assert.equal(hit(r, '/'), 'root');
  });

  void test('prefixes match on segment boundaries only', () => {
    const r = createRouter([route('users', '/api/v1/users')]);
    assert.equal(hit(r, '/api/v1/usersX'), undefined);
    assert.equal(hit(r, '/api/v1/user'), undefined);
    assert.equal(hit(r, '/api/v1'), undefined);
    assert.equal(hit(r, '/api/v1/users/'), 'users');
  });

  void test('no route: undefined', () => {
    assert.equal(hit(createRouter([]), '/'), undefined);
    assert.equal(hit(createRouter([route('a', '/a')]), '/b'), undefined);
  });

  void test('static beats param beats wildcard', () => {
    const r = createRouter([
      route('rest', '/users/*'),
      route('one', '/users/:id'),
      route('me', '/users/me'),
    ]);
    assert.equal(hit(r, '/users/me'), 'me');
    assert.deepEqual(match(r, '/users/7'), {
      id: 'one',
      params: { id: '7' },
      matchedPath: '/users/7',
    });
    assert.deepEqual(match(r, '/users/7/x'), {
      id: 'rest',
      params: { '*': '7/x' },
      matchedPath: '/users',
    });
  });

  void test('a static branch that dead-ends backtracks into the param branch', () => {
    const r = createRouter([route('abc', '/a/b/c'), route('axd', '/a/:x/d')]);
    assert.equal(hit(r, '/a/b/c'), 'abc');
    assert.deepEqual(match(r, '/a/b/d').params, { x: 'b' });
    assert.equal(hit(r, '/a/b/e'), undefined);
  });

  void test("a static branch's prefix is tried before the param branch (static first)", () => {
    // Depth-first, static first, like find-my-way: /a/b (prefix) answers before /a/:x/c.
    const r = createRouter([route('axc', '/a/:x/c', { type: 'exact' }), route('ab', '/a/b')]);
    assert.equal(hit(r, '/a/b/c'), 'ab');
    assert.equal(hit(r, '/a/z/c'), 'axc');
  });

  void test('/* routes: after deeper prefixes below them, before prefixes at their node', () => {
    const r = createRouter([
      route('files-prefix', '/files'),
      route('files-star', '/files/*'),
      route('images', '/files/images'),
    ]);
    assert.equal(hit(r, '/files/images/a.png'), 'images');
    assert.equal(hit(r, '/files/docs/a.pdf'), 'files-star');
    assert.equal(hit(r, '/files'), 'files-star');
  });

  void test('paths are case-sensitive', () => {
    const r = createRouter([route('upper', '/Users')]);
    assert.equal(hit(r, '/Users/1'), 'upper');
    assert.equal(hit(r, '/users/1'), undefined);
  });

  void test('a ":" inside a segment is literal', () => {
    const r = createRouter([route('batch', '/v1/projects/p:batchGet', { type: 'exact' })]);
    assert.equal(hit(r, '/v1/projects/p:batchGet'), 'batch');
    assert.equal(hit(r, '/v1/projects/q:batchGet'), undefined);
  });
});

void describe('router: trailing slash', () => {
  const r = createRouter([
    route('prefix', '/users'),
    route('exact', '/users', { type: 'exact' }),
    route('exact-slash', '/users/', { type: 'exact' }),
    route('docs-slash', '/docs/'),
  ]);

  void test('exact routes are strict about one trailing slash', () => {
    assert.equal(hit(r, '/users'), 'exact');
    assert.equal(hit(r, '/users/'), 'exact-slash');
  });

  void test('a prefix matches with or without the trailing slash', () => {
    const only = createRouter([route('prefix', '/users'), route('e', '/users', { type: 'exact' })]);
    assert.equal(hit(only, '/users/'), 'prefix');
    assert.deepEqual(match(only, '/users/'), { id: 'prefix', params: {}, matchedPath: '/users' });
  });

  void test('a prefix written with a trailing slash needs more path than its name', () => {
    assert.equal(hit(r, '/docs'), undefined);
    assert.deepEqual(match(r, '/docs/'), { id: 'docs-slash', params: {}, matchedPath: '/docs' });
    assert.equal(hit(r, '/docs/a'), 'docs-slash');
  });

  void test('the root: exact / matches only /; prefix / everything', () => {
    const root = createRouter([route('any', '/'), route('home', '/', { type: 'exact' })]);
    assert.equal(hit(root, '/'), 'home');
    assert.deepEqual(match(root, '/x/'), { id: 'any', params: {}, matchedPath: '' });
  });
});

void describe('router: params and wildcards', () => {
  void test('extracts several params, raw (still percent-encoded)', () => {
    const r = createRouter([route('order', '/users/:id/orders/:orderId')]);
    const m = match(r, '/users/u%20x/orders/42');
    assert.deepEqual(m, {
      id: 'order',
      params: { id: 'u%20x', orderId: '42' },
      matchedPath: '/users/u%20x/orders/42',
    });
    assert.equal(hit(r, '/users/7/orders'), undefined);
    assert.equal(hit(r, '/users/7/orders/1/x'), undefined);
  });

  void test('params inherit nothing; param-less matches share one frozen object', () => {
    const r = createRouter([route('one', '/u/:id'), route('list', '/u')]);
    const withParams = r.find('GET', undefined, '/u/1', {})!;
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assert.equal(key in withParams.params, false, key);
    }
    assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(withParams.params)), null);
    assert.deepEqual(Object.keys(withParams.params), ['id']);
    const evil = createRouter([route('p', '/x/:__proto__')]).find('GET', undefined, '/x/v', {})!;
    assert.deepEqual(Object.keys(evil.params), ['__proto__'], 'an own key, not the prototype');
    assert.equal(evil.params['__proto__'], 'v');
    const a = r.find('GET', undefined, '/u', {})!;
    const b = r.find('GET', undefined, '/u/', {})!;
    assert.equal(Object.getPrototypeOf(a.params), null);
    assert.ok(Object.isFrozen(a.params));
    assert.equal(a.params, b.params);
    assert.equal(a, b, 'a static hit answers with one precomputed match');
  });

  void test('* captures the rest, possibly empty, into params["*"]', () => {
    const r = createRouter([route('static', '/static/*'), route('all', '/*')]);
    assert.deepEqual(match(r, '/static/css/site.css'), {
      id: 'static',
      params: { '*': 'css/site.css' },
      matchedPath: '/static',
    });
    assert.deepEqual(match(r, '/static/a/').params, { '*': 'a/' });
    assert.deepEqual(match(r, '/static').params, { '*': '' });
    assert.deepEqual(match(r, '/static/').params, { '*': '' });
    assert.deepEqual(match(r, '/x/y'), { id: 'all', params: { '*': 'x/y' }, matchedPath: '' });
  });

  void test('a param and a wildcard together', () => {
    const r = createRouter([route('t', '/t/:tenant/*')]);
    assert.deepEqual(match(r, '/t/acme/a/b'), {
      id: 't',
      params: { tenant: 'acme', '*': 'a/b' },
      matchedPath: '/t/acme',
    });
  });

  void test('a prefix route may have params; matchedPath is the literal prefix', () => {
    const r = createRouter([route('tenant', '/tenants/:t', { type: 'prefix' })]);
    assert.deepEqual(match(r, '/tenants/acme/users/1'), {
      id: 'tenant',
      params: { t: 'acme' },
      matchedPath: '/tenants/acme',
    });
  });

  void test('routes sharing a param node keep their own names', () => {
    const r = createRouter([route('a', '/x/:userId', { type: 'exact' }), route('b', '/x/:id/y')]);
    assert.deepEqual(match(r, '/x/1').params, { userId: '1' });
    assert.deepEqual(match(r, '/x/1/y').params, { id: '1' });
  });
});

void describe('router: host, method and header fallbacks', () => {
  void test('host: exact beats *.wildcard beats none; case and port ignored', () => {
    const r = createRouter([
      route('none', '/api'),
      route('wild', '/api', { hosts: ['*.example.com'] }),
      route('exact', '/api', { hosts: ['API.example.com'] }),
    ]);
    assert.equal(hit(r, '/api', { host: 'Api.Example.COM:8443' }), 'exact');
    assert.equal(hit(r, '/api', { host: 'api.example.com.' }), 'exact');
    assert.equal(hit(r, '/api', { host: 'www.example.com' }), 'wild');
    assert.equal(hit(r, '/api', { host: 'a.b.example.com' }), 'wild');
    assert.equal(hit(r, '/api', { host: 'example.com' }), 'none', '*.x does not match x itself');
    assert.equal(hit(r, '/api', { host: undefined }), 'none');
  });

  void test('a route listing exact and wildcard hosts ranks by the host that matched', () => {
    const r = createRouter([
      route('both', '/', { hosts: ['a.example.com', '*.example.com'] }),
      route('b-exact', '/', { hosts: ['b.example.com'] }),
    ]);
    assert.equal(hit(r, '/', { host: 'a.example.com' }), 'both');
    assert.equal(hit(r, '/', { host: 'b.example.com' }), 'b-exact');
    assert.equal(hit(r, '/', { host: 'c.example.com' }), 'both');
  });

  void test('IPv6 hosts keep their brackets; the port is stripped', () => {
    const r = createRouter([route('v6', '/', { hosts: ['[::1]'] })]);
    assert.equal(hit(r, '/', { host: '[::1]:8080' }), 'v6');
  });

  void test('host "*" means any host', () => {
    const r = createRouter([route('any', '/', { hosts: ['*'] })]);
    assert.equal(hit(r, '/', { host: 'whatever.test' }), 'any');
  });

  void test('method: specified beats any; a failing method falls back', () => {
    const r = createRouter([route('any', '/users'), route('get', '/users', { methods: ['GET'] })]);
    assert.equal(hit(r, '/users', { method: 'GET' }), 'get');
    assert.equal(hit(r, '/users', { method: 'POST' }), 'any');
    assert.equal(hit(r, '/users', { method: 'HEAD' }), 'any', 'GET does not imply HEAD');
  });

  void test('a deeper route whose method fails falls back to a shallower prefix', () => {
    const r = createRouter([
      route('users', '/users'),
      route('delete-one', '/users/:id', { methods: ['DELETE'] }),
    ]);
    assert.equal(hit(r, '/users/7', { method: 'DELETE' }), 'delete-one');
    assert.equal(hit(r, '/users/7', { method: 'GET' }), 'users');
  });

  void test('an exact route whose host fails falls back to the next prefix up', () => {
    const r = createRouter([
      route('api', '/api'),
      route('v1', '/api/v1', { hosts: ['internal.example.com'] }),
      route('v1-users', '/api/v1/users', { type: 'exact', hosts: ['internal.example.com'] }),
    ]);
    assert.equal(hit(r, '/api/v1/users', { host: 'internal.example.com' }), 'v1-users');
    assert.equal(hit(r, '/api/v1/users', { host: 'public.example.com' }), 'api');
  });

  void test('headers: exact, prefix, regex, present; repeated values pass if any does', () => {
    const h = (name: string, kind: HeaderMatcherSpec['kind'], value?: string) =>
      value === undefined ? { name, kind } : { name, kind, value };
    const r = createRouter([
      route('plain', '/'),
      route('canary', '/', { headers: [h('x-canary', 'exact', 'true')] }),
      route('prod', '/', { headers: [h('x-env', 'prefix', 'prod')] }),
      route('ver', '/', { headers: [h('x-v', 'regex', '^v[0-9]+$')] }),
      route('debug', '/', { headers: [h('x-debug', 'present')] }),
    ]);
    assert.equal(hit(r, '/', { headers: { 'x-canary': 'true' } }), 'canary');
    assert.equal(hit(r, '/', { headers: { 'x-canary': 'TRUE' } }), 'plain', 'values are exact');
    assert.equal(hit(r, '/', { headers: { 'x-env': 'prod-eu' } }), 'prod');
    assert.equal(hit(r, '/', { headers: { 'x-v': 'v12' } }), 'ver');
    assert.equal(hit(r, '/', { headers: { 'x-v': 'v12x' } }), 'plain');
    assert.equal(hit(r, '/', { headers: { 'x-debug': '' } }), 'debug');
    assert.equal(hit(r, '/', { headers: { 'x-env': ['dev', 'prod'] } }), 'prod');
    assert.equal(hit(r, '/', { headers: {} }), 'plain');
  });

  void test('a regex is stateless across requests (no g flag pitfalls)', () => {
    const r = createRouter([
      route('v', '/', { headers: [{ name: 'x-v', kind: 'regex', value: 'a' }] }),
    ]);
    for (let i = 0; i < 4; i++) assert.equal(hit(r, '/', { headers: { 'x-v': 'a' } }), 'v');
  });

  void test('more header matchers first; all must pass', () => {
    const a = { name: 'x-a', kind: 'exact', value: '1' } as const;
    const b = { name: 'x-b', kind: 'exact', value: '1' } as const;
    const r = createRouter([
      route('one', '/', { headers: [a] }),
      route('two', '/', { headers: [a, b] }),
    ]);
    assert.equal(hit(r, '/', { headers: { 'x-a': '1', 'x-b': '1' } }), 'two');
    assert.equal(hit(r, '/', { headers: { 'x-a': '1', 'x-b': '2' } }), 'one');
  });

  void test('order within a node: host, then methods, then headers, then config order', () => {
    const hdr = [{ name: 'x-a', kind: 'present' }] as const;
    const r = createRouter([
      route('first', '/'),
      route('headers', '/', { headers: hdr }),
      route('methods', '/', { methods: ['GET'] }),
      route('host', '/', { hosts: ['example.com'] }),
      route('second', '/'),
    ]);
    const req = { method: 'GET', host: 'example.com', headers: { 'x-a': '1' } };
    assert.equal(hit(r, '/', req), 'host');
    assert.equal(hit(r, '/', { ...req, host: 'other.test' }), 'methods');
    assert.equal(hit(r, '/', { ...req, host: 'other.test', method: 'PUT' }), 'headers');
    assert.equal(hit(r, '/', { host: 'other.test', method: 'PUT' }), 'first');
  });
});

void describe('router: compile-time validation', () => {
  const bad: [string, Opts & { path: string }][] = [
    ['no leading slash', { path: 'users' }],
    ['not normal form', { path: '/a//b' }],
    ['dot segment', { path: '/a/../b' }],
    ['query in path', { path: '/a?x' }],
    ['* not last', { path: '/a/*/b' }],
    ['* inside a segment', { path: '/a*' }],
    ['empty param', { path: '/a/:' }],
    ['repeated param', { path: '/a/:x/:x' }],
    ['bad host', { path: '/', hosts: ['a.*.com'] }],
    ['bad regex', { path: '/', headers: [{ name: 'x', kind: 'regex', value: '(' }] }],
    ['missing value', { path: '/', headers: [{ name: 'x', kind: 'exact' }] }],
    ['unknown type', { path: '/', type: 'regex' as never }],
  ];
  for (const [name, { path, ...opts }] of bad) {
    void test(`rejects: ${name}`, () => {
      assert.throws(
        () => createRouter([route('ok', '/'), route('broken', path, opts)]),
        (e: unknown) =>
          e instanceof RouteInvalidError &&
          e.code === 'SY_GW_ROUTE_INVALID' &&
          e.details.route === 'broken',
      );
    });
  }
});

void describe('router: explain and size', () => {
  void test('lists routes in try order with their reasons', () => {
    const r = createRouter([
      route('root', '/'),
      route('api', '/api', { methods: ['GET'] }),
      route('users-exact', '/api/users', { type: 'exact' }),
      route('user', '/api/users/:id'),
      route('users', '/api/users', { hosts: ['a.example.com', '*.example.com'] }),
    ]);
    assert.equal(r.size, 5);
    const lines = r.explain();
    assert.deepEqual(
      lines.map((l) => [l.rank, l.id, l.hostClass]),
      [
        [1, 'users-exact', 'any'],
        [2, 'user', 'any'],
        [3, 'users', 'exact'],
        [4, 'users', 'wildcard'],
        [5, 'api', 'any'],
        [6, 'root', 'any'],
      ],
    );
    assert.match(lines[2]!.reason, /^prefix \/api\/users: .*host exact \[a\.example\.com\]/);
    assert.match(lines[4]!.reason, /methods GET/);
    assert.match(lines[5]!.reason, /after every other route/);
  });
});

void describe('router: bounded backtracking', () => {
  void test('every static/param combination to depth 10: a miss visits each node once', () => {
    // 1,024 routes: each level of the trie has both a static and a param child, the worst case
    // for backtracking; a miss walks the whole trie (2,047 nodes) once, never 2^depth paths twice.
    const routes: RouteInput<string>[] = [];
    for (let mask = 0; mask < 1024; mask++) {
      const segs = Array.from({ length: 10 }, (_, d) => ((mask >> d) & 1 ? `:p${d}` : 'a'));
      routes.push(route(`r${mask}`, `/${segs.join('/')}/x`, { type: 'exact' }));
    }
    const r = createRouter(routes);
    const deep = '/a'.repeat(10);
    assert.equal(hit(r, `${deep}/x`), 'r0');
    assert.equal(hit(r, '/a/b/a/a/a/a/a/a/a/a/x'), 'r2');
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) assert.equal(hit(r, `${deep}/y`), undefined);
    assert.ok(performance.now() - t0 < 2000);
  });
});
