/**
 * The published JSON Schema of the gateway config (schema/gateway.schema.json), generated from
 * the zod schema with `z.toJSONSchema` so editors validate and complete the same keys the loader
 * accepts. It describes the *input* (what YAML may say: `"5s"` or `5000`); checks that only code
 * can express (regex compiles, cross-references, files exist) are left to `switchyard check`.
 */
import { z } from 'zod';
import { gatewaySchema } from './schema/gateway.js';

/**
 * Generates the gateway config JSON Schema (draft-07: what editors support most widely).
 *
 * @example writeFileSync('schema/gateway.schema.json', JSON.stringify(gatewayJsonSchema(), null, 2));
 */
export function gatewayJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(gatewaySchema, {
    target: 'draft-07',
    io: 'input',
    // zod drops metadata set on a transform's output side; carry defaults and notes over
    override: (ctx) => {
      const meta = z.globalRegistry.get(ctx.zodSchema);
      if (!meta) return;
      const json = ctx.jsonSchema as Record<string, unknown>;
      for (const [key, value] of Object.entries(meta)) {
        if (json[key] === undefined) json[key] = value;
      }
    },
  });
}

/**
 * The secret keys, as path patterns over the config (`admin.token`, `services.*.x`,
 * `routes[].x`), read from the `x-secret` marks in the schema.
 */
export function secretPaths(schema: Record<string, unknown> = gatewayJsonSchema()): string[] {
  const out = new Set<string>();
  const walk = (node: unknown, path: string) => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (n['x-secret'] === true) out.add(path);
    for (const [k, v] of Object.entries((n.properties as object | undefined) ?? {})) {
      walk(v, path ? `${path}.${k}` : k);
    }
    if (typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${path}.*`);
    if (n.items) walk(n.items, `${path}[]`);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      for (const branch of (n[key] as unknown[] | undefined) ?? []) walk(branch, path);
    }
  };
  walk(schema, '');
  return [...out].sort();
}
