import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GATEWAY_SCHEMA_FILE, renderGatewaySchemaFile } from '../../scripts/gen-gateway-schema.js';

test('schema/gateway.schema.json is the one the zod schema generates (run scripts/gen-gateway-schema.ts)', async () => {
  assert.equal(readFileSync(GATEWAY_SCHEMA_FILE, 'utf8'), await renderGatewaySchemaFile());
});

test('the JSON Schema refuses unknown keys and carries defaults and secrets', () => {
  const schema = JSON.parse(readFileSync(GATEWAY_SCHEMA_FILE, 'utf8')) as {
    additionalProperties: boolean;
    required: string[];
    properties: Record<string, { default?: unknown; properties?: Record<string, unknown> }>;
  };
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.required, ['listen']);
  assert.equal(schema.properties.workers!.default, 1);
  assert.deepEqual(schema.properties.limits!.properties!.maxBodySize, {
    anyOf: [
      { type: 'integer', minimum: 0, maximum: 9007199254740991 },
      { type: 'string', pattern: '^(\\d+(?:\\.\\d+)?)\\s*(b|kb|mb|gb)$' },
    ],
    default: '10mb',
  });
  assert.deepEqual(schema.properties.registry!.properties!.token, {
    type: 'string',
    minLength: 1,
    writeOnly: true,
    'x-secret': true,
  });
});
