import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPath } from './config-path.js';
import { closestName, didYouMean, editDistance } from './did-you-mean.js';

test('editDistance counts inserts, deletes and substitutions', () => {
  assert.equal(editDistance('paymnt', 'payment'), 1);
  assert.equal(editDistance('blancer', 'balancer'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
});

test('closestName suggests within distance 2, ignoring case, never the name itself', () => {
  assert.equal(closestName('paymnt', ['orders', 'payment']), 'payment');
  assert.equal(closestName('Balancer', ['balancer']), 'balancer');
  assert.equal(closestName('shipping', ['orders', 'payment']), undefined);
  assert.equal(closestName('abc', ['abc']), undefined);
  assert.equal(didYouMean('pth', ['path', 'type']), ' (did you mean "path"?)');
  assert.equal(didYouMean('zzz', ['path']), '');
});

test('formatPath writes keys and indexes the way problems name them', () => {
  assert.equal(formatPath(['routes', 2, 'service']), 'routes[2].service');
  assert.equal(formatPath(['services', 'user-service', 'pool']), 'services.user-service.pool');
  assert.equal(formatPath(['services', 'a.b', 'x']), 'services["a.b"].x');
  assert.equal(formatPath([]), '');
});
