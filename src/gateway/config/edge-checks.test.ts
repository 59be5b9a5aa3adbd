import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGatewayConfig } from './load-config.js';
import { redactConfig } from './redact.js';

const base = `listen: 127.0.0.1:0
services: { a: { targets: [http://127.0.0.1:1] } }
`;
const problems = (yaml: string) =>
  parseGatewayConfig(base + yaml, 'g.yaml', { env: { KEY: 'k-0123456789' } }).problems.map(
    (p) => `${p.path}: ${p.message}`,
  );

test('edge policies must find what they rely on', () => {
  assert.deepEqual(
    problems(`routes:
  - { match: { path: /a }, service: a, rateLimit: { rate: 1/s, scope: cluster } }
  - { match: { path: /b }, service: a, rateLimit: { rate: 1/s, key: consumer } }
  - { match: { path: /c }, service: a, auth: { apiKey: {} } }
  - { match: { path: /d }, service: a, auth: { forward: { url: http://x } }, rateLimit: { rate: 1/s, key: "claim:sub" } }
`),
    [
      'routes[0].rateLimit.scope: scope: cluster needs a top-level `redis` section',
      'routes[1].rateLimit.key: key: consumer needs `auth` on the route (it sets the consumer)',
      'routes[2].auth.apiKey: apiKey auth needs a top-level `consumers` list',
      'routes[3].rateLimit.key: key: claim:sub needs `auth.jwt` on the route',
    ],
  );
});

test('auth takes exactly one kind, a JWT exactly one key source; bad rates and CIDRs are named', () => {
  const found = problems(`trustedProxies: [10.0.0.0/33, not-an-ip]
routes:
  - { match: { path: /a }, service: a, auth: { jwt: { secret: short }, apiKey: {} } }
  - { match: { path: /b }, service: a, auth: { jwt: { issuer: x } } }
  - { match: { path: /c }, service: a, rateLimit: { rate: lots } }
`);
  assert.ok(
    found.some(
      (p) => p.startsWith('routes[0].auth') && p.includes('exactly one of jwt, apiKey, forward'),
    ),
  );
  assert.ok(found.some((p) => p.startsWith('routes[0].auth.jwt.secret') && p.includes('32')));
  assert.ok(
    found.some(
      (p) =>
        p.startsWith('routes[1].auth.jwt') && p.includes('exactly one of secret, publicKey, jwks'),
    ),
  );
  assert.ok(found.some((p) => p.startsWith('routes[2].rateLimit.rate')));
  assert.ok(found.some((p) => p.startsWith('trustedProxies[0]')));
  assert.ok(found.some((p) => p.startsWith('trustedProxies[1]')));
});

test('consumer API keys come from the environment and are redacted in /config', () => {
  const { config, problems: found } = parseGatewayConfig(
    `${base}consumers: [{ name: partner-a, apiKeys: ["\${KEY}"] }]
routes: [{ match: { path: /a }, service: a, auth: { apiKey: { header: X-Key } } }]
`,
    'g.yaml',
    { env: { KEY: 'k-0123456789' } },
  );
  assert.deepEqual(found, []);
  assert.deepEqual(config!.consumers, [{ name: 'partner-a', apiKeys: ['k-0123456789'] }]);
  assert.deepEqual(config!.routes[0]!.auth, { kind: 'apiKey', header: 'x-key' });
  assert.doesNotMatch(JSON.stringify(redactConfig(config!)), /k-0123456789/);
});
