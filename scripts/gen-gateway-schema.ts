// Writes schema/gateway.schema.json from the zod schema (src/gateway/config/json-schema.ts).
// Run: node --import tsx scripts/gen-gateway-schema.ts   (a test fails when the file is stale)
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import { gatewayJsonSchema } from '../src/gateway/config/json-schema.js';

export const GATEWAY_SCHEMA_FILE = 'schema/gateway.schema.json';

/** The file's exact contents: the generated schema, formatted as `prettier --check` expects. */
export async function renderGatewaySchemaFile(): Promise<string> {
  const options = (await prettier.resolveConfig(GATEWAY_SCHEMA_FILE)) ?? {};
  return prettier.format(JSON.stringify(gatewayJsonSchema()), { ...options, parser: 'json' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(GATEWAY_SCHEMA_FILE, await renderGatewaySchemaFile());
  console.log(`wrote ${GATEWAY_SCHEMA_FILE}`);
}
