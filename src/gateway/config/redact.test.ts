import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secretPaths } from './json-schema.js';
import { parseGatewayConfig } from './load-config.js';
import { redactConfig, REDACTED } from './redact.js';

const { config } = parseGatewayConfig(
  `listen: 8080
admin: { listen: 9901, token: admin-secret }
registry: { address: "http://svc:reg-pass@consul:8500", token: registry-secret }
services: { a: { targets: [http://127.0.0.1:1] } }
routes: [{ match: { path: /a }, service: a }]
`,
  'gateway.yaml',
  { env: {} },
);

test('the schema marks the tokens, consumer API keys and JWT secrets as secrets', () => {
  assert.deepEqual(secretPaths(), [
    'admin.token',
    'consumers[].apiKeys[]',
    'registry.token',
    'routes[].auth.jwt.secret',
  ]);
});

test('redactConfig replaces every secret and URL password, and leaves the rest', () => {
  const redacted = redactConfig(config!);
  assert.equal(redacted.admin?.token, REDACTED);
  assert.equal(redacted.registry?.token, REDACTED);
  assert.equal(redacted.registry?.address, `http://svc:${REDACTED}@consul:8500`);
  const text = JSON.stringify(redacted);
  for (const secret of ['admin-secret', 'registry-secret', 'reg-pass']) {
    assert.ok(!text.includes(secret), `${secret} leaked`);
  }
  assert.deepEqual(redacted.routes, config!.routes);
  assert.deepEqual(redacted.services, config!.services);
});

test('the original config is untouched, and absent secrets stay absent', () => {
  redactConfig(config!);
  assert.equal(config!.admin?.token, 'admin-secret');
  const bare = parseGatewayConfig('listen: 8080\nadmin: {}\n', 'g.yaml', { env: {} }).config!;
  assert.deepEqual(redactConfig(bare).admin, { host: '127.0.0.1', port: 9901 });
});
