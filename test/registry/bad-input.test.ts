import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { put, rawRequest, register, startHarness, within, type Harness } from './http-harness.js';

// The bad-input corpus: every request gets a clear 4xx naming the problem, nothing is logged as
// a bug, and afterwards the registry still serves with every earlier registration intact.

let h: Harness;
let before_: { health: string; kv: string };

const json = (value: unknown) => JSON.stringify(value);
const register_ = '/v1/agent/service/register';

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly message: RegExp;
}

const CASES: Case[] = [
  // bodies
  {
    name: 'malformed JSON',
    method: 'PUT',
    path: register_,
    body: '{"Name": "x",',
    status: 400,
    message: /^Request decode failed: /,
  },
  {
    name: 'empty body',
    method: 'PUT',
    path: register_,
    body: '',
    status: 400,
    message: /^Request decode failed: empty body/,
  },
  {
    name: 'JSON array body',
    method: 'PUT',
    path: register_,
    body: '[1]',
    status: 400,
    message: /^Request body: expected a JSON object, got an array/,
  },
  {
    name: 'JSON null body',
    method: 'PUT',
    path: register_,
    body: 'null',
    status: 400,
    message: /expected a JSON object, got null/,
  },
  {
    name: 'missing Name',
    method: 'PUT',
    path: register_,
    body: json({ Port: 80 }),
    status: 400,
    message: /^Name: missing/,
  },
  {
    name: 'Port as a string',
    method: 'PUT',
    path: register_,
    body: json({ Name: 'x', Port: '80' }),
    status: 400,
    message: /^Port: expected an integer from 0 to 65535, got string "80"/,
  },
  {
    name: 'negative Port',
    method: 'PUT',
    path: register_,
    body: json({ Name: 'x', Port: -1 }),
    status: 400,
    message: /^Port: .*got number -1/,
  },
  {
    name: 'too-large Port',
    method: 'PUT',
    path: register_,
    body: json({ Name: 'x', Port: 70000 }),
    status: 400,
    message: /^Port: .*got number 70000/,
  },
  {
    name: 'Tags as a string',
    method: 'PUT',
    path: register_,
    body: json({ Name: 'x', Tags: 'a' }),
    status: 400,
    message: /^Tags: expected an array of strings, got string "a"/,
  },
  {
    name: 'Meta with a number',
    method: 'PUT',
    path: register_,
    body: json({ Name: 'x', Meta: { a: 1 } }),
    status: 400,
    message: /^Meta\.a: expected a string, got number 1/,
  },
  {
    name: 'check with no kind',
    method: 'PUT',
    path: register_,
    body: json({ Name: 'x', Check: { Interval: '10s' } }),
    status: 400,
    message: /^Check: needs TTL/,
  },
  {
    name: 'bad check duration',
    method: 'PUT',
    path: register_,
    body: json({ Name: 'x', Check: { TTL: 'ten' } }),
    status: 400,
    message: /^Check\.TTL: expected a duration/,
  },
  {
    name: 'script check refused',
    method: 'PUT',
    path: register_,
    body: json({ Name: 'x', Check: { Args: ['rm', '-rf', '/'], Interval: '1s' } }),
    status: 400,
    message: /^Check\.Args: not supported/,
  },
  {
    name: 'Name with NUL',
    method: 'PUT',
    path: register_,
    body: json({ Name: 'a\u0000b' }),
    status: 400,
    message: /^Name: must not contain control characters/,
  },
  {
    name: 'check register without Name',
    method: 'PUT',
    path: '/v1/agent/check/register',
    body: json({ TTL: '5s' }),
    status: 400,
    message: /^Name: missing/,
  },
  {
    name: 'check register for a missing service',
    method: 'PUT',
    path: '/v1/agent/check/register',
    body: json({ Name: 'c', ServiceID: 'ghost', TTL: '5s' }),
    status: 400,
    message: /^ServiceID: service "ghost" does not exist/,
  },
  {
    name: 'check update with a bad Status',
    method: 'PUT',
    path: '/v1/agent/check/update/service:keep1',
    body: json({ Status: 'fine' }),
    status: 400,
    message: /^Status: expected passing, warning or critical/,
  },
  {
    name: 'TTL report on an HTTP check',
    method: 'PUT',
    path: '/v1/agent/check/pass/service:probe1',
    status: 400,
    message: /is not a TTL check/,
  },
  // unknown IDs
  {
    name: 'pass an unknown check',
    method: 'PUT',
    path: '/v1/agent/check/pass/service%3Anope',
    status: 404,
    message: /^unknown check ID "service:nope"/,
  },
  {
    name: 'update an unknown check',
    method: 'PUT',
    path: '/v1/agent/check/update/nope',
    body: json({ Status: 'passing' }),
    status: 404,
    message: /unknown check ID "nope"/,
  },
  {
    name: 'deregister an unknown check',
    method: 'PUT',
    path: '/v1/agent/check/deregister/nope',
    status: 404,
    message: /unknown check ID "nope"/,
  },
  {
    name: 'pass serfHealth',
    method: 'PUT',
    path: '/v1/agent/check/pass/serfHealth',
    status: 404,
    message: /unknown check ID "serfHealth"/,
  },
  {
    name: 'maintenance of an unknown service',
    method: 'PUT',
    path: '/v1/agent/service/maintenance/ghost?enable=true',
    status: 404,
    message: /unknown service ID "ghost"/,
  },
  {
    name: 'maintenance without enable',
    method: 'PUT',
    path: '/v1/agent/service/maintenance/keep1',
    status: 400,
    message: /^Missing value for enable/,
  },
  {
    name: 'agent service unknown',
    method: 'GET',
    path: '/v1/agent/service/ghost',
    status: 404,
    message: /unknown service ID "ghost"/,
  },
  // query values
  {
    name: 'index not a number',
    method: 'GET',
    path: '/v1/health/service/keep?index=abc',
    status: 400,
    message: /^Invalid index "abc"/,
  },
  {
    name: 'negative index',
    method: 'GET',
    path: '/v1/health/service/keep?index=-5',
    status: 400,
    message: /^Invalid index "-5"/,
  },
  {
    name: 'index beyond uint64',
    method: 'GET',
    path: '/v1/catalog/services?index=99999999999999999999',
    status: 400,
    message: /^Invalid index/,
  },
  {
    name: 'wait without unit',
    method: 'GET',
    path: '/v1/health/service/keep?index=1&wait=30',
    status: 400,
    message: /^Invalid wait "30"/,
  },
  {
    name: 'wait garbage',
    method: 'GET',
    path: '/v1/kv/cfg?wait=forever',
    status: 400,
    message: /^Invalid wait "forever"/,
  },
  {
    name: 'stale with consistent',
    method: 'GET',
    path: '/v1/health/service/keep?stale&consistent',
    status: 400,
    message: /^Cannot specify \?stale with \?consistent/,
  },
  {
    name: 'passing=maybe',
    method: 'GET',
    path: '/v1/health/service/keep?passing=maybe',
    status: 400,
    message: /^\?passing: expected true or false/,
  },
  {
    name: 'bad health state',
    method: 'GET',
    path: '/v1/health/state/sick',
    status: 400,
    message: /^Invalid check state "sick"/,
  },
  {
    name: 'missing service name',
    method: 'GET',
    path: '/v1/health/service/',
    status: 400,
    message: /^Missing service name/,
  },
  {
    name: 'KV flags not a uint64',
    method: 'PUT',
    path: '/v1/kv/k?flags=-1',
    body: 'v',
    status: 400,
    message: /^Invalid flags "-1"/,
  },
  {
    name: 'KV cas not a uint64',
    method: 'PUT',
    path: '/v1/kv/k?cas=x',
    body: 'v',
    status: 400,
    message: /^Invalid cas "x"/,
  },
  {
    name: 'KV sessions',
    method: 'PUT',
    path: '/v1/kv/k?acquire=abc',
    body: 'v',
    status: 400,
    message: /^Sessions are not supported/,
  },
  {
    name: 'KV delete recurse with cas',
    method: 'DELETE',
    path: '/v1/kv/cfg?recurse&cas=1',
    status: 400,
    message: /^Conflicting flags/,
  },
  {
    name: 'KV get without a key',
    method: 'GET',
    path: '/v1/kv/',
    status: 400,
    message: /^Missing key name/,
  },
  {
    name: 'KV put without a key',
    method: 'PUT',
    path: '/v1/kv/',
    body: 'v',
    status: 400,
    message: /^Missing key name/,
  },
  // hostile paths
  {
    name: 'encoded traversal in a KV key',
    method: 'GET',
    path: '/v1/kv/..%2F..%2Fetc',
    status: 400,
    message: /"\.\." path segments are not allowed/,
  },
  {
    name: 'raw traversal in a KV key',
    method: 'PUT',
    path: '/v1/kv/../../etc/passwd',
    body: 'x',
    status: 400,
    message: /"\.\." path segments are not allowed/,
  },
  {
    name: 'traversal out of /v1',
    method: 'GET',
    path: '/v1/../etc/passwd',
    status: 404,
    message: /^Unknown endpoint/,
  },
  {
    name: 'NUL in a KV key',
    method: 'PUT',
    path: '/v1/kv/a%00b',
    body: 'x',
    status: 400,
    message: /control characters \(e\.g\. NUL\)/,
  },
  {
    name: 'NUL in a check ID',
    method: 'PUT',
    path: '/v1/agent/check/pass/a%00',
    status: 400,
    message: /control characters/,
  },
  {
    name: 'malformed percent-encoding',
    method: 'GET',
    path: '/v1/kv/%E0%A4%A',
    status: 400,
    message: /malformed percent-encoding/,
  },
  {
    name: 'overlong KV key',
    method: 'PUT',
    path: `/v1/kv/${'k'.repeat(1500)}`,
    body: 'x',
    status: 400,
    message: /^Invalid key: 1500 bytes long, max 1024/,
  },
  {
    name: 'KV key with a leading slash',
    method: 'GET',
    path: '/v1/kv/%2Fetc',
    status: 400,
    message: /must not begin with "\/"/,
  },
  {
    name: 'unknown endpoint',
    method: 'GET',
    path: '/v1/agent/nope',
    status: 404,
    message: /^Unknown endpoint: \/v1\/agent\/nope/,
  },
  { name: 'not under /v1', method: 'GET', path: '/', status: 404, message: /^Unknown endpoint/ },
  {
    name: 'wrong method',
    method: 'POST',
    path: register_,
    body: '{}',
    status: 405,
    message: /^Method POST not allowed \(use PUT\)/,
  },
  {
    name: 'unknown method',
    method: 'PATCH',
    path: '/v1/kv/a',
    status: 405,
    message: /^Method PATCH not allowed \(use GET, PUT, DELETE\)/,
  },
  // sizes
  {
    name: 'register body over 512 KiB',
    method: 'PUT',
    path: register_,
    body: json({ Name: 'x', Notes: 'n'.repeat(600 * 1024) }),
    status: 413,
    message: /^Request body too large: \d+ bytes, max 524288 bytes/,
  },
  {
    name: 'KV value over 512 KiB',
    method: 'PUT',
    path: '/v1/kv/big',
    body: Buffer.alloc(512 * 1024 + 1, 1),
    status: 413,
    message: /^Request body too large/,
  },
  {
    name: 'oversized headers',
    method: 'GET',
    path: '/v1/status/leader',
    headers: { 'X-Big': 'x'.repeat(20_000) },
    status: 431,
    message: /^Request headers too large/,
  },
  {
    name: 'overlong request line',
    method: 'GET',
    path: `/v1/kv/${'k'.repeat(20_000)}`,
    status: 431,
    message: /^Request headers too large/,
  },
];

before(async () => {
  h = await startHarness();
  await register(h.url, 'keep', 'keep1', 'passing', { Tags: ['t'] });
  const probe = await put(`${h.url}${register_}`, {
    Name: 'probe',
    ID: 'probe1',
    Port: 1,
    Check: { HTTP: 'http://127.0.0.1:1/health', Interval: '10s' },
  });
  assert.equal(probe.status, 200);
  assert.equal((await put(`${h.url}/v1/kv/cfg`, 'keep-me')).status, 200);
  before_ = {
    health: await (await fetch(`${h.url}/v1/health/service/keep`)).text(),
    kv: await (await fetch(`${h.url}/v1/kv/cfg`)).text(),
  };
});

after(async () => {
  await h.close();
});

for (const c of CASES) {
  test(`${c.name} → ${c.status}`, async () => {
    const headers = { ...c.headers };
    if (c.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(c.body));
    const res = await rawRequest(h.port, c.method, c.path, { headers, body: c.body });
    assert.equal(res.status, c.status, `${c.name}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.body, c.message);
  });
}

test('a body far over the cap is refused at once and the connection closed', async () => {
  const res = await rawRequest(h.port, 'PUT', '/v1/kv/huge', {
    headers: { 'Content-Length': String(64 * 1024 * 1024) },
    body: 'only a little',
  });
  assert.equal(res.status, 413);
  assert.equal(res.headers.connection, 'close');
});

test('garbage on the socket gets a 400 and a closed connection, not a crash', async () => {
  const reply = await within(
    new Promise<string>((resolve, reject) => {
      const socket = connect(h.port, '127.0.0.1', () =>
        socket.write('\u0000\u0001 NOT HTTP\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    }),
    5000,
    'the answer to garbage',
  );
  assert.match(reply, /^HTTP\/1\.1 400 Bad Request/);
  assert.match(reply, /Malformed HTTP request$/);
});

test('bad tokens are refused with 403 and change nothing', async () => {
  const guarded = await startHarness({ token: 'right' });
  try {
    const attempts: Record<string, string>[] = [
      {},
      { 'X-Consul-Token': 'wrong' },
      { 'X-Consul-Token': 'righ' },
      { Authorization: 'Bearer wrong' },
      { Authorization: 'Basic cmlnaHQ=' },
      { Authorization: 'Bearer' },
    ];
    for (const headers of attempts) {
      const res = await put(`${guarded.url}${register_}`, { Name: 'intruder' }, headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(await res.text(), 'Permission denied: missing or invalid token');
    }
    assert.equal(guarded.catalog.instancesOf('intruder').length, 0);
  } finally {
    await guarded.close();
  }
});

test('after the corpus the registry still serves, every earlier write intact, no bug logged', async () => {
  assert.equal(await (await fetch(`${h.url}/v1/health/service/keep`)).text(), before_.health);
  assert.equal(await (await fetch(`${h.url}/v1/kv/cfg`)).text(), before_.kv);
  assert.deepEqual(
    h.catalog.instancesOf('x').map((s) => s.id),
    [],
    'no rejected registration was stored',
  );
  assert.equal(h.catalog.kv.get('big'), undefined);
  assert.equal(h.catalog.kv.get('huge'), undefined);
  await register(h.url, 'keep', 'keep2');
  const entries = (await (await fetch(`${h.url}/v1/health/service/keep?passing`)).json()) as {
    Service: { ID: string };
  }[];
  assert.deepEqual(entries.map((e) => e.Service.ID).sort(), ['keep1', 'keep2']);
  assert.deepEqual(h.errors, []);
});
