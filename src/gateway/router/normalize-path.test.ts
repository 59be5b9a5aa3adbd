import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizePath, PathError, type PathErrorReason } from './normalize-path.js';
import { prng } from '../../../test/helpers/prng.js';

function ok(target: string): { path: string; query: string } {
  const r = normalizePath(target);
  assert.ok(!(r instanceof PathError), `${target}: ${r instanceof PathError ? r.reason : ''}`);
  return r;
}

function pathOf(target: string): string {
  return ok(target).path;
}

function rejected(target: string, reason: PathErrorReason): void {
  const r = normalizePath(target);
  assert.ok(r instanceof PathError, `${JSON.stringify(target)} should be rejected`);
  assert.equal(r.reason, reason, JSON.stringify(target));
  assert.equal(r.code, 'SY_GW_BAD_PATH');
  assert.equal(r.status, 400);
}

void describe('normalizePath: the fast path', () => {
  void test('a clean path comes back as the very input string', () => {
    const target = '/api/v1/users/7/.well-known/a.b..c';
    const r = ok(target);
    assert.equal(r.path, target);
    assert.equal(r.query, '');
  });

  void test('the query is split off verbatim, with its "?"', () => {
    assert.deepEqual(ok('/a/b?x=1&y=%2F..//'), { path: '/a/b', query: '?x=1&y=%2F..//' });
    assert.deepEqual(ok('/a?'), { path: '/a', query: '?' });
    assert.deepEqual(ok('/?a?b'), { path: '/', query: '?a?b' });
  });

  void test('a trailing slash and the root are kept', () => {
    assert.equal(pathOf('/'), '/');
    assert.equal(pathOf('/users/'), '/users/');
  });

  void test('allowed printable characters pass unchanged', () => {
    const target = "/a:b@c!$&'()*+,;=-_~/x";
    assert.equal(pathOf(target), target);
  });
});

void describe('normalizePath: dot segments and slashes', () => {
  const cases: [string, string][] = [
    // RFC 3986 §5.2.4: '..' removes one segment (the brief's '/api/admin' would need '../..')
    ['/api/v1/users/../admin', '/api/v1/admin'],
    ['/api/v1/users/../../admin', '/api/admin'],
    ['/api/./v1//users', '/api/v1/users'],
    ['/%2e%2e/etc/passwd', '/etc/passwd'],
    ['/a/%2E/b', '/a/b'],
    ['/a/.%2e/b', '/b'],
    ['/..', '/'],
    ['/../../..', '/'],
    ['/a/..', '/'],
    ['/a/b/..', '/a/'],
    ['/a/.', '/a/'],
    ['/a/./', '/a/'],
    ['/a/b/../..', '/'],
    ['//', '/'],
    ['///a///b///', '/a/b/'],
    ['/a/..b/c', '/a/..b/c'],
    ['/a/.b', '/a/.b'],
    ['/a/.../b', '/a/.../b'],
    ['/a/../b?x=/../', '/b'],
  ];
  for (const [input, expected] of cases) {
    void test(`${input} → ${expected}`, () => assert.equal(pathOf(input), expected));
  }

  void test('the query survives the slow path verbatim', () => {
    assert.deepEqual(ok('/a/../b?q=%2f//'), { path: '/b', query: '?q=%2f//' });
  });
});

void describe('normalizePath: percent-encoding', () => {
  void test('decodes only unreserved characters', () => {
    assert.equal(pathOf('/%41%7a%30%2D%2e%5f%7E'), '/Az0-._~');
  });

  void test('keeps other escapes, upper-casing their hex', () => {
    assert.equal(pathOf('/caf%c3%a9/%20/%3f%25'), '/caf%C3%A9/%20/%3F%25');
  });

  void test('does not double-decode: %252e stays %252e', () => {
    assert.equal(pathOf('/a/%252e%252e/b'), '/a/%252e%252e/b');
  });

  void test('percent-encodes raw bytes 0x80–0xFF (HTTP delivers them as Latin-1)', () => {
    assert.equal(pathOf('/caf\u00c3\u00a9'), '/caf%C3%A9');
  });

  void test('rejects encoded slashes and backslashes', () => {
    rejected('/a/%2F/b', 'encoded-slash');
    rejected('/a%2fb', 'encoded-slash');
    rejected('/a/%5C/b', 'encoded-slash');
    rejected('/a/%5c..%5c', 'encoded-slash');
  });

  void test('rejects invalid escapes', () => {
    rejected('/a%', 'bad-percent-encoding');
    rejected('/a%2', 'bad-percent-encoding');
    rejected('/a%2?x', 'bad-percent-encoding');
    rejected('/a%zz', 'bad-percent-encoding');
    rejected('/a%g0', 'bad-percent-encoding');
  });

  void test('rejects %00', () => rejected('/a%00b', 'control-char'));
});

void describe('normalizePath: rejections', () => {
  void test('backslash', () => {
    rejected('/a\\b', 'backslash');
    rejected('/..\\..\\etc', 'backslash');
  });

  void test('control characters, space and DEL, in the path or the query', () => {
    rejected('/a\u0000b', 'control-char');
    rejected('/a\nb', 'control-char');
    rejected('/a b', 'control-char');
    rejected('/a\u007f', 'control-char');
    rejected('/a?x=\r\n', 'control-char');
  });

  void test('fragments', () => {
    rejected('/a#frag', 'fragment');
    rejected('/a?x#frag', 'fragment');
  });

  void test('characters above U+00FF', () => {
    rejected('/caf\u00e9\u20ac', 'invalid-char');
    rejected('/a?x=\u20ac', 'invalid-char');
  });

  void test('targets that are not origin-form', () => {
    rejected('', 'not-origin-form');
    rejected('api/users', 'not-origin-form');
    rejected('*', 'asterisk-form');
  });
});

void describe('normalizePath: absolute-form', () => {
  void test('takes the path (and query) of an http or https URL', () => {
    assert.deepEqual(ok('http://example.com/a/../b?x'), { path: '/b', query: '?x' });
    assert.deepEqual(ok('HTTPS://user@example.com:8443/a'), { path: '/a', query: '' });
    assert.deepEqual(ok('http://example.com'), { path: '/', query: '' });
    assert.deepEqual(ok('http://example.com?q=1'), { path: '/', query: '?q=1' });
  });

  void test('rejects other schemes and broken authorities', () => {
    rejected('ftp://example.com/a', 'bad-absolute-form');
    rejected('http:///a', 'bad-absolute-form');
    rejected('http://exa mple.com/a', 'bad-absolute-form');
    rejected('http://evil\\@good/a', 'bad-absolute-form');
  });
});

void describe('normalizePath: long paths', () => {
  void test('a long clean path is returned unchanged', () => {
    const target = '/' + Array.from({ length: 2000 }, (_, i) => `s${i}`).join('/');
    assert.equal(pathOf(target), target);
  });

  void test('10,000 ".." segments never climb above the root', () => {
    assert.equal(pathOf('/a/b' + '/..'.repeat(10_000) + '/c'), '/c');
  });

  void test('deep nesting with dots and duplicate slashes resolves linearly', () => {
    const target = '/x' + '/./y//'.repeat(5_000);
    const t0 = performance.now();
    assert.equal(pathOf(target), '/x' + '/y'.repeat(5_000) + '/');
    assert.ok(performance.now() - t0 < 500);
  });
});

void describe('normalizePath: properties (seeded)', () => {
  const PIECES = ['/', '/', '/', 'a', 'b', 'c', '.', '..', '%2e', '%2E', '%41', '%c3', '~', '-'];

  function randomTarget(next: () => number): string {
    let s = '/';
    const n = 1 + Math.floor(next() * 14);
    for (let k = 0; k < n; k++) s += PIECES[Math.floor(next() * PIECES.length)]!;
    return s;
  }

  void test(
    'idempotent; never contains //, /./, /../ nor ends in /. or /..',
    { timeout: 30_000 },
    () => {
      const next = prng(0x5eed);
      for (let k = 0; k < 20_000; k++) {
        const target = randomTarget(next);
        const once = pathOf(target);
        assert.equal(pathOf(once), once, `twice ≠ once for ${target}`);
        assert.ok(once.startsWith('/'), target);
        for (const bad of ['//', '/./', '/../'])
          assert.ok(!once.includes(bad), `${target} → ${once}`);
        assert.ok(!once.endsWith('/.') && !once.endsWith('/..'), `${target} → ${once}`);
      }
    },
  );

  void test('dot-segment removal agrees with the WHATWG URL parser', () => {
    // Without '//' (WHATWG keeps empty segments) and with %2e only inside dot segments.
    const SEGMENTS = ['a', 'b', '.', '..', '%2e', '%2E%2e', '.%2E', 'c.d'];
    const next = prng(42);
    for (let k = 0; k < 5_000; k++) {
      const n = 1 + Math.floor(next() * 8);
      const segs = Array.from({ length: n }, () => SEGMENTS[Math.floor(next() * SEGMENTS.length)]!);
      const target = '/' + segs.join('/') + (next() < 0.3 ? '/' : '');
      assert.equal(pathOf(target), new URL(target, 'http://x').pathname, target);
    }
  });
});
