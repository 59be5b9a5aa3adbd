import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gatewayJsonSchema } from '../../src/gateway/config/json-schema.js';

/**
 * Every key path of the config, as the reference doc writes it: `limits.maxBodySize`,
 * `services.<name>.targets[].weight`, `routes[].match.headers.<name>.prefix`.
 */
function keyPaths(node: unknown, path = '', out = new Set<string>()): Set<string> {
  if (typeof node !== 'object' || node === null) return out;
  const n = node as Record<string, unknown>;
  for (const [key, child] of Object.entries((n.properties as object | undefined) ?? {})) {
    const p = path ? `${path}.${key}` : key;
    out.add(p);
    keyPaths(child, p, out);
  }
  if (typeof n.additionalProperties === 'object') {
    // a mapping of names to objects (services, header matchers) documents its entries too
    const value = n.additionalProperties as {
      properties?: object;
      anyOf?: { properties?: object }[];
    };
    if (value.properties || value.anyOf?.some((b) => b.properties)) out.add(`${path}.<name>`);
    keyPaths(value, `${path}.<name>`, out);
  }
  if (typeof n.items === 'object') keyPaths(n.items, `${path}[]`, out);
  for (const branch of (n.anyOf as unknown[] | undefined) ?? []) keyPaths(branch, path, out);
  return out;
}

const doc = readFileSync('docs/reference/gateway-config.md', 'utf8');
const paths = [...keyPaths(gatewayJsonSchema())];

test('the schema has the keys this test expects to find (the walk works)', () => {
  for (const p of [
    'listen.tls.minVersion',
    'services.<name>.targets[].weight',
    'routes[].match.headers.<name>.regex',
  ]) {
    assert.ok(paths.includes(p), p);
  }
  assert.ok(paths.length > 100, String(paths.length));
});

test('every key of the config schema is documented in docs/reference/gateway-config.md', () => {
  assert.deepEqual(
    paths.filter((p) => !doc.includes(`\`${p}\``)),
    [],
  );
});

test('the doc documents no key the schema does not have', () => {
  const rows = [...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
  assert.ok(rows.length > 100);
  assert.deepEqual(
    rows.filter((p) => !paths.includes(p)),
    [],
  );
});
