import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePathTemplate } from './path-template.js';

test('placeholders in path segments and query are replaced and percent-encoded', () => {
  const t = compilePathTemplate('/users/:userId/orders?user=:userId&limit=5', 'p');
  assert.deepEqual(t.params, ['userId']);
  assert.equal(t.render({ userId: 'a/b c' }), '/users/a%2Fb%20c/orders?user=a%2Fb%20c&limit=5');
  assert.equal(
    t.render({ userId: 'x&admin=1#?' }),
    '/users/x%26admin%3D1%23%3F/orders?user=x%26admin%3D1%23%3F&limit=5',
  );
  assert.equal(t.render({ userId: 'é' }), '/users/%C3%A9/orders?user=%C3%A9&limit=5');
});

test('a template without placeholders renders as written; a bare ":" stays literal', () => {
  const t = compilePathTemplate('/health?x=:&y=1', 'p');
  assert.deepEqual(t.params, []);
  assert.equal(t.render({}), '/health?x=:&y=1');
});

test('adjacent and repeated placeholders', () => {
  const t = compilePathTemplate('/:a:b/:a', 'p');
  assert.deepEqual(t.params, ['a', 'b']);
  assert.equal(t.render({ a: '1', b: '2' }), '/12/1');
});

test('a missing or unencodable value is a 400 SY_GW_AGGREGATE_BAD_PARAM', () => {
  const t = compilePathTemplate('/users/:userId', 'p');
  assert.throws(() => t.render({}), { code: 'SY_GW_AGGREGATE_BAD_PARAM', status: 400 });
  assert.throws(() => t.render({ userId: '\ud800' }), {
    code: 'SY_GW_AGGREGATE_BAD_PARAM',
    message: /not valid Unicode/,
  });
});

test('bad templates are refused at compile time with the option path', () => {
  for (const bad of [
    'users/:id',
    '//evil.example/x',
    '/a b',
    '/a#frag',
    '/caf\u00e9',
    '/a\n',
    42,
  ]) {
    assert.throws(() => compilePathTemplate(bad, 'aggregate.user.path'), {
      code: 'SY_GW_AGGREGATE_INVALID_OPTION',
      message: /^aggregate\.user\.path: /,
    });
  }
});
