import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/core/error-codes.js';

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const registry = new Set(Object.keys(ERROR_CODES));
const raised = new Map<string, string>();
for (const file of sources('src')) {
  if (file.endsWith('error-codes.ts')) continue;
  for (const m of readFileSync(file, 'utf8').matchAll(/['"`](SY_[A-Z0-9_]+)['"`]/g))
    raised.set(m[1]!, file);
}
const docs = readFileSync('docs/reference/errors.md', 'utf8');

test('every code the source raises is in the registry', () => {
  const missing = [...raised]
    .filter(([code]) => !registry.has(code))
    .map(([c, f]) => `${c} (${f})`);
  assert.deepEqual(missing, []);
});

test('every registered code is raised somewhere (codes are never left dangling)', () => {
  assert.deepEqual(
    [...registry].filter((code) => !raised.has(code)),
    [],
  );
});

test('every registered code is documented in docs/reference/errors.md', () => {
  assert.deepEqual(
    [...registry].filter((code) => !docs.includes(`\`${code}\``)),
    [],
  );
});
