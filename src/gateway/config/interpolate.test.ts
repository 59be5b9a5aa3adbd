import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import { maskEnvRefs, resolveEnvRefs } from './interpolate.js';

test('masking keeps every offset: placeholders have the length of the reference', () => {
  const text = 'a: ${A}\nb: { c: ${LONG_NAME:-with default}, d: x }\ne: $${LIT}\n';
  const masked = maskEnvRefs(text);
  assert.equal(masked.text.length, text.length);
  assert.equal(masked.text.indexOf('\n'), text.indexOf('\n'));
  assert.equal(masked.text.indexOf(', d: x'), text.indexOf(', d: x'));
  assert.deepEqual(masked.references, [
    { name: 'A', fallback: undefined, offset: 3 },
    { name: 'LONG_NAME', fallback: 'with default', offset: 16 },
  ]);
  assert.ok(masked.text.endsWith('e: $${LIT}\n'), 'an escaped reference is left for the resolver');
});

test('resolving substitutes values, defaults and escapes, and retypes plain whole references', () => {
  const masked = maskEnvRefs('a: ${A}\nb: "${A}"\nc: x-${B:-d}-y\ne: $${LIT}\nf: ${T}\n');
  const doc = parseDocument(masked.text);
  assert.deepEqual(resolveEnvRefs(doc, masked, { A: '42', T: 'true' }), []);
  assert.deepEqual(doc.toJS(), { a: 42, b: '42', c: 'x-d-y', e: '${LIT}', f: true });
});

test('an unset variable is a problem at its own offset and path', () => {
  const masked = maskEnvRefs('list:\n  - k: pre-${MISSING}\n');
  const doc = parseDocument(masked.text);
  assert.deepEqual(resolveEnvRefs(doc, masked, {}), [
    {
      offset: 17,
      path: ['list', 0, 'k'],
      message:
        'environment variable MISSING is not set (use ${MISSING:-default} to give a default)',
    },
  ]);
});

test('many references in one file each keep their identity', () => {
  const text = Array.from({ length: 5000 }, (_, i) => `k${i}: \${V${i % 7}}`).join('\n');
  const masked = maskEnvRefs(text);
  const doc = parseDocument(masked.text);
  const env = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`V${i}`, `v${i}`]));
  assert.deepEqual(resolveEnvRefs(doc, masked, env), []);
  const js = doc.toJS() as Record<string, string>;
  assert.equal(js.k4999, `v${4999 % 7}`);
  assert.equal(js.k0, 'v0');
});

test('text that already holds the placeholder markers is refused', () => {
  assert.throws(() => maskEnvRefs('a: \uE000'), /U\+E000/);
});
