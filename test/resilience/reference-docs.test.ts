import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as resilience from '../../src/resilience/index.js';

// docs/reference/resilience.md must name every runtime export of switchyard/resilience.
test('every export of switchyard/resilience is documented in the reference', () => {
  const docs = readFileSync('docs/reference/resilience.md', 'utf8');
  const missing = Object.keys(resilience).filter((name) => !docs.includes(name));
  assert.deepEqual(missing, []);
});
