#!/usr/bin/env node
// Import boundaries (DESIGN.md): which src/ folders each folder may import from.
// resilience imports nothing outside itself (and no node: built-ins: it runs in the browser);
// client imports only resilience and core; core only resilience (it re-exports the clock).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const SRC = resolve('src');
const RULES = {
  resilience: { allow: [], builtins: false, packages: false },
  core: { allow: ['resilience'], builtins: true, packages: true },
  client: { allow: ['resilience', 'core'], builtins: true, packages: true },
};

function files(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files(p, out);
    else if (/\.(ts|tsx|mts)$/.test(e.name)) out.push(p);
  }
  return out;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const problems = [];
for (const file of files(SRC)) {
  const area = relative(SRC, file).split(sep)[0];
  const rule = RULES[area];
  if (!rule || file.endsWith('.test.ts')) continue;
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    const where = relative(process.cwd(), file);
    if (spec.startsWith('.')) {
      const target = relative(SRC, resolve(dirname(file), spec)).split(sep)[0];
      if (target !== area && !rule.allow.includes(target)) {
        problems.push(
          `${where}: imports "${spec}" (src/${target}); src/${area} may import only ${[area, ...rule.allow].join(', ')}`,
        );
      }
    } else if (spec.startsWith('node:')) {
      if (!rule.builtins)
        problems.push(`${where}: imports "${spec}"; src/${area} must run in the browser`);
    } else if (!rule.packages) {
      problems.push(`${where}: imports package "${spec}"; src/${area} has no runtime dependencies`);
    }
  }
}
if (problems.length) {
  console.error(`import boundary violations:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('import boundaries: ok');
