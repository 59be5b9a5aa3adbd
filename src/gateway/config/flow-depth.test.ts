import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowDepthOffset } from './flow-depth.js';

test('finds the first bracket past the limit', () => {
  assert.equal(flowDepthOffset('a: [[1]]', 1), 4);
  assert.equal(flowDepthOffset('a: {b: [1]}', 2), -1);
  assert.equal(flowDepthOffset('a: [1]\nb: [[2]]', 1), 11);
});

test('skips quoted scalars and comments, but only where YAML starts them', () => {
  assert.equal(flowDepthOffset(`a: "[[[" # [[[\nb: '[[['`, 1), -1);
  assert.equal(flowDepthOffset('a: "\\"[[["', 1), -1, 'an escaped quote does not end the string');
  assert.equal(
    flowDepthOffset("a: don't [[x]]", 1),
    10,
    "a ' inside a plain scalar starts nothing",
  );
  assert.equal(flowDepthOffset('a: x#[[[', 1), 6, 'a # without a space before is not a comment');
});
