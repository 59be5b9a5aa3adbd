import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { get, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  put,
  register,
  startHarness,
  until,
  within,
  type ConsulCatalogServiceJson,
  type ConsulCheckJson,
  type ConsulHealthEntryJson,
  type ConsulKvJson,
  type ConsulServiceJson,
  type Harness,
} from './http-harness.js';

/** What the blocking-query diagnostics channels publish. */
interface ChannelMessage {
  readonly target: { readonly kind: string; readonly name?: string };
}

/** The JSON of one push-stream event (`snapshot` or `change`). */
interface StreamData {
  readonly index: number;
  readonly services: Record<string, ConsulHealthEntryJson[]>;
  readonly service: string;
  readonly entries: ConsulHealthEntryJson[];
}

// Golden shapes (key sets and values, not index numbers), blocking queries, the push stream and
// token auth, against the real server on 127.0.0.1:0.

const HEALTH_NODE_KEYS = [
  'Address',
  'CreateIndex',
  'Datacenter',
  'ID',
  'Meta',
  'ModifyIndex',
  'Node',
  'TaggedAddresses',
];
const HEALTH_SERVICE_KEYS = [
  'Address',
  'CreateIndex',
  'EnableTagOverride',
  'ID',
  'Meta',
  'ModifyIndex',
  'Port',
  'Service',
  'Tags',
  'TaggedAddresses',
  'Weights',
];
const CHECK_KEYS = [
  'CheckID',
  'CreateIndex',
  'Definition',
  'ExposedPort',
  'Interval',
  'ModifyIndex',
  'Name',
  'Node',
  'Notes',
  'Output',
  'ServiceID',
  'ServiceName',
  'ServiceTags',
  'Status',
  'Timeout',
  'Type',
];
const AGENT_SERVICE_KEYS = [
  'Address',
  'Datacenter',
  'EnableTagOverride',
  'ID',
  'Meta',
  'Port',
  'Service',
  'TaggedAddresses',
  'Tags',
  'Weights',
];
const CATALOG_SERVICE_KEYS = [
  'Address',
  'CreateIndex',
  'Datacenter',
  'ID',
  'ModifyIndex',
  'Node',
  'NodeMeta',
  'ServiceAddress',
  'ServiceConnect',
  'ServiceEnableTagOverride',
  'ServiceID',
  'ServiceKind',
  'ServiceMeta',
  'ServiceName',
  'ServicePort',
  'ServiceProxy',
  'ServiceTaggedAddresses',
  'ServiceTags',
  'ServiceWeights',
  'TaggedAddresses',
];
const KV_KEYS = ['CreateIndex', 'Flags', 'Key', 'LockIndex', 'ModifyIndex', 'Value'];

const keys = (o: object) => Object.keys(o).sort();
const sorted = (list: string[]) => [...list].sort();

async function getJson<T = unknown>(
  url: string,
): Promise<{ status: number; index: number; body: T; type: string | null }> {
  const res = await fetch(url);
  const index = Number(res.headers.get('x-consul-index'));
  assert.ok(index > 0, `X-Consul-Index on ${url}`);
  return {
    status: res.status,
    index,
    body: (await res.json()) as T,
    type: res.headers.get('content-type'),
  };
}

describe('golden shapes', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await register(h.url, 'web', 'web1', 'passing', { Tags: ['v1'], Meta: { version: '1' } });
    await register(h.url, 'web', 'web2', 'critical', { Address: 'web2.local' });
    await put(`${h.url}/v1/kv/cfg%2Fa?flags=7`, 'hello');
  });
  after(async () => {
    await h.close();
    assert.deepEqual(h.errors, []);
  });

  test('GET /v1/health/service/:name', async () => {
    const { body, type } = await getJson<ConsulHealthEntryJson[]>(`${h.url}/v1/health/service/web`);
    assert.equal(type, 'application/json');
    assert.equal(body.length, 2);
    const web1 = body.find((e) => e.Service.ID === 'web1')!;
    assert.deepEqual(keys(web1), ['Checks', 'Node', 'Service']);
    assert.deepEqual(keys(web1.Node), sorted(HEALTH_NODE_KEYS));
    assert.deepEqual(keys(web1.Service), sorted(HEALTH_SERVICE_KEYS));
    for (const c of web1.Checks) assert.deepEqual(keys(c), sorted(CHECK_KEYS));
    assert.deepEqual(web1.Service.Weights, { Passing: 1, Warning: 1 });
    assert.equal(web1.Node.Node, 'node-1');
    assert.equal(web1.Node.Datacenter, 'dc1');
    const serf = web1.Checks.find((c) => c.CheckID === 'serfHealth')!;
    assert.equal(serf.Name, 'Serf Health Status');
    assert.equal(serf.ServiceID, '');
    const own = web1.Checks.find((c) => c.CheckID === 'service:web1')!;
    assert.deepEqual(
      [own.Status, own.Type, own.ServiceName, own.ServiceTags, own.Definition],
      ['passing', 'ttl', 'web', ['v1'], { TTL: '30s' }],
    );
    const web2 = body.find((e) => e.Service.ID === 'web2')!;
    assert.equal(web2.Service.TaggedAddresses, undefined, 'a hostname gets no tagged addresses');

    const passing = await getJson<ConsulHealthEntryJson[]>(
      `${h.url}/v1/health/service/web?passing=true`,
    );
    assert.deepEqual(
      passing.body.map((e) => e.Service.ID),
      ['web1'],
    );
    const tagged = await getJson<ConsulHealthEntryJson[]>(
      `${h.url}/v1/health/service/web?tag=v1&near=_agent&dc=dc1&stale&filter=x`,
    );
    assert.deepEqual(
      tagged.body.map((e) => e.Service.ID),
      ['web1'],
    );
    assert.deepEqual(
      (await getJson<ConsulHealthEntryJson[]>(`${h.url}/v1/health/service/web?tag=v1&tag=v2`)).body,
      [],
    );
    assert.deepEqual(
      (await getJson<ConsulHealthEntryJson[]>(`${h.url}/v1/health/service/nothing`)).body,
      [],
    );
  });

  test('GET /v1/health/checks/:svc, node/:node, state/:state', async () => {
    const checks = (await getJson<ConsulCheckJson[]>(`${h.url}/v1/health/checks/web`)).body;
    assert.deepEqual(checks.map((c) => c.CheckID).sort(), ['service:web1', 'service:web2']);
    const node = (await getJson<ConsulCheckJson[]>(`${h.url}/v1/health/node/node-1`)).body;
    assert.deepEqual(node.map((c) => c.CheckID).sort(), [
      'serfHealth',
      'service:web1',
      'service:web2',
    ]);
    assert.deepEqual((await getJson<ConsulCheckJson[]>(`${h.url}/v1/health/node/other`)).body, []);
    const critical = (await getJson<ConsulCheckJson[]>(`${h.url}/v1/health/state/critical`)).body;
    assert.deepEqual(
      critical.map((c) => c.CheckID),
      ['service:web2'],
    );
    const anyState = (await getJson<ConsulCheckJson[]>(`${h.url}/v1/health/state/any`)).body;
    assert.equal(anyState.length, 3);
    for (const c of anyState) assert.deepEqual(keys(c), sorted(CHECK_KEYS));
  });

  test('GET /v1/agent/services, agent/checks, agent/service/:id, self, members', async () => {
    const services = (
      await getJson<Record<string, ConsulServiceJson>>(`${h.url}/v1/agent/services`)
    ).body;
    assert.deepEqual(keys(services), ['web1', 'web2']);
    assert.deepEqual(keys(services.web1!), sorted(AGENT_SERVICE_KEYS));
    assert.deepEqual(services.web1!.Meta, { version: '1' });
    const one = (await getJson<ConsulServiceJson>(`${h.url}/v1/agent/service/web1`)).body;
    assert.deepEqual(one, services.web1);
    const checks = (await getJson<Record<string, ConsulCheckJson>>(`${h.url}/v1/agent/checks`))
      .body;
    assert.deepEqual(keys(checks), ['service:web1', 'service:web2']);
    const self = (
      await getJson<Record<string, unknown> & { Config: { NodeName: string } }>(
        `${h.url}/v1/agent/self`,
      )
    ).body;
    assert.deepEqual(keys(self), ['Config', 'Coord', 'DebugConfig', 'Member', 'Meta', 'Stats']);
    assert.equal(self.Config.NodeName, 'node-1');
    const members = (await getJson<{ Status: number }[]>(`${h.url}/v1/agent/members`)).body;
    assert.equal(members.length, 1);
    assert.equal(members[0]?.Status, 1);
  });

  test('GET /v1/catalog/services, service/:name, nodes, datacenters', async () => {
    assert.deepEqual((await getJson(`${h.url}/v1/catalog/services`)).body, { web: ['v1'] });
    const records = (await getJson<ConsulCatalogServiceJson[]>(`${h.url}/v1/catalog/service/web`))
      .body;
    assert.equal(records.length, 2, 'catalog answers are not filtered by health');
    for (const r of records) assert.deepEqual(keys(r), sorted(CATALOG_SERVICE_KEYS));
    const web1 = records.find((r) => r.ServiceID === 'web1')!;
    assert.deepEqual(
      [web1.ServiceName, web1.ServiceAddress, web1.ServicePort, web1.Node, web1.Address],
      ['web', '127.0.0.1', 8080, 'node-1', '127.0.0.1'],
    );
    const tagged = (
      await getJson<ConsulCatalogServiceJson[]>(`${h.url}/v1/catalog/service/web?tag=v1`)
    ).body;
    assert.deepEqual(
      tagged.map((r) => r.ServiceID),
      ['web1'],
    );
    const nodes = (await getJson<Record<string, unknown>[]>(`${h.url}/v1/catalog/nodes`)).body;
    assert.deepEqual(keys(nodes[0]!), sorted(HEALTH_NODE_KEYS));
    assert.deepEqual((await getJson(`${h.url}/v1/catalog/datacenters`)).body, ['dc1']);
  });

  test('KV: get, recurse, keys, separator, raw, 404', async () => {
    const [entry] = (await getJson<ConsulKvJson[]>(`${h.url}/v1/kv/cfg/a`)).body;
    assert.ok(entry);
    assert.deepEqual(keys(entry), KV_KEYS);
    assert.deepEqual(
      [entry.Key, entry.Flags, Buffer.from(entry.Value ?? '', 'base64').toString()],
      ['cfg/a', 7, 'hello'],
    );
    const raw = await fetch(`${h.url}/v1/kv/cfg/a?raw`);
    assert.equal(raw.headers.get('content-type'), 'text/plain');
    assert.equal(raw.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await raw.text(), 'hello');
    await put(`${h.url}/v1/kv/cfg/sub/x`, '');
    assert.deepEqual((await getJson(`${h.url}/v1/kv/cfg/?keys`)).body, ['cfg/a', 'cfg/sub/x']);
    assert.deepEqual((await getJson(`${h.url}/v1/kv/cfg/?keys&separator=/`)).body, [
      'cfg/a',
      'cfg/sub/',
    ]);
    const all = (await getJson<ConsulKvJson[]>(`${h.url}/v1/kv/cfg?recurse`)).body;
    assert.deepEqual(
      all.map((e) => [e.Key, e.Value]),
      [
        ['cfg/a', 'aGVsbG8='],
        ['cfg/sub/x', null],
      ],
    );
    const missing = await fetch(`${h.url}/v1/kv/nope`);
    assert.equal(missing.status, 404);
    assert.ok(Number(missing.headers.get('x-consul-index')) > 0);
    assert.equal((await fetch(`${h.url}/v1/kv/nope/?keys`)).status, 404);
    assert.deepEqual((await getJson(`${h.url}/v1/kv/?keys&separator=/`)).body, ['cfg/']);
  });

  test('status and consistency headers', async () => {
    const res = await fetch(`${h.url}/v1/status/leader`);
    assert.equal(await res.json(), '127.0.0.1:8300');
    assert.equal(res.headers.get('x-consul-knownleader'), 'true');
    assert.equal(res.headers.get('x-consul-lastcontact'), '0');
    assert.deepEqual((await getJson(`${h.url}/v1/status/peers`)).body, ['127.0.0.1:8300']);
  });

  test('write answers: register/deregister 200 empty, KV true/false', async () => {
    const reg = await put(`${h.url}/v1/agent/service/register`, { Name: 'tmp', Port: 1 });
    assert.equal(reg.status, 200);
    assert.equal(await reg.text(), '');
    assert.ok(Number(reg.headers.get('x-consul-index')) > 0);
    const dereg = await put(`${h.url}/v1/agent/service/deregister/tmp`);
    assert.equal(dereg.status, 200);
    assert.equal((await put(`${h.url}/v1/agent/service/deregister/never-there`)).status, 200);
    assert.equal(await (await put(`${h.url}/v1/kv/x?cas=0`, '1')).json(), true);
    assert.equal(await (await put(`${h.url}/v1/kv/x?cas=0`, '2')).json(), false);
    assert.equal(
      await (await fetch(`${h.url}/v1/kv/x?cas=999`, { method: 'DELETE' })).json(),
      false,
    );
    assert.equal(await (await fetch(`${h.url}/v1/kv/x`, { method: 'DELETE' })).json(), true);
  });

  test('check register / update / deregister, replace-existing-checks', async () => {
    const reg = await put(`${h.url}/v1/agent/check/register`, {
      Name: 'mem',
      ServiceID: 'web1',
      TTL: '10s',
    });
    assert.equal(reg.status, 200);
    const upd = await put(`${h.url}/v1/agent/check/update/mem`, {
      Status: 'warning',
      Output: 'high',
    });
    assert.equal(upd.status, 200);
    const checks = (await getJson<Record<string, ConsulCheckJson>>(`${h.url}/v1/agent/checks`))
      .body;
    assert.deepEqual(
      [checks.mem?.Status, checks.mem?.Output, checks.mem?.ServiceID],
      ['warning', 'high', 'web1'],
    );
    // Re-registering with replace-existing-checks drops the checks the definition omits.
    const rereg = await put(`${h.url}/v1/agent/service/register?replace-existing-checks`, {
      Name: 'web',
      ID: 'web1',
      Address: '127.0.0.1',
      Port: 8080,
      Tags: ['v1'],
      Meta: { version: '1' },
      Check: { TTL: '30s' },
    });
    assert.equal(rereg.status, 200);
    const after = (await getJson<Record<string, ConsulCheckJson>>(`${h.url}/v1/agent/checks`)).body;
    assert.equal(after.mem, undefined);
    assert.equal(after['service:web1']?.Status, 'passing', 'a re-registered check keeps its state');
    assert.equal((await put(`${h.url}/v1/agent/check/deregister/service:web2`)).status, 200);
    assert.equal(
      (await getJson<Record<string, ConsulCheckJson>>(`${h.url}/v1/agent/checks`)).body[
        'service:web2'
      ],
      undefined,
    );
  });
});

describe('blocking queries', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await register(h.url, 'web', 'web1');
    await register(h.url, 'api', 'api1');
  });
  after(async () => {
    await h.close();
    assert.deepEqual(h.errors, []);
  });

  /** Resolves when a blocking query on `name` is registered and waiting. */
  function held(name: string): Promise<void> {
    return new Promise((resolve) => {
      const onHold = (message: unknown) => {
        if ((message as ChannelMessage).target.name !== name) return;
        unsubscribe('switchyard:registry:blocking-hold', onHold);
        resolve();
      };
      subscribe('switchyard:registry:blocking-hold', onHold);
    });
  }

  test('a watcher of web wakes on a change to web, and is not woken by a change to api', async () => {
    const wakes: string[] = [];
    const onWake = (message: unknown) => wakes.push((message as ChannelMessage).target.name ?? '');
    subscribe('switchyard:registry:blocking-wake', onWake);
    try {
      const first = await getJson<ConsulHealthEntryJson[]>(
        `${h.url}/v1/health/service/web?passing`,
      );
      const holding = held('web');
      const blocked = getJson<ConsulHealthEntryJson[]>(
        `${h.url}/v1/health/service/web?passing&index=${first.index}&wait=30s`,
      );
      await within(holding, 5000, 'the query to be held');
      await register(h.url, 'api', 'api2'); // another service: must not wake it
      await put(`${h.url}/v1/agent/check/fail/service:api1`);
      assert.deepEqual(wakes, []);
      await register(h.url, 'web', 'web2');
      const answer = await within(blocked, 5000, 'the blocked query to answer');
      assert.ok(answer.index > first.index);
      assert.equal(answer.index, h.catalog.serviceIndex('web'));
      assert.deepEqual(answer.body.map((e) => e.Service.ID).sort(), ['web1', 'web2']);
      assert.deepEqual(wakes, ['web'], 'exactly one wake-up, by web');
    } finally {
      unsubscribe('switchyard:registry:blocking-wake', onWake);
    }
  });

  test('when wait runs out, the same index comes back', async () => {
    const first = await getJson<ConsulCatalogServiceJson[]>(`${h.url}/v1/catalog/service/web`);
    const again = await getJson<ConsulCatalogServiceJson[]>(
      `${h.url}/v1/catalog/service/web?index=${first.index}&wait=50ms`,
    );
    assert.equal(again.index, first.index);
    assert.deepEqual(again.body, first.body);
  });

  test('an index below the current one answers at once; index=0 never blocks', async () => {
    const res = await within(
      getJson<ConsulHealthEntryJson[]>(`${h.url}/v1/health/service/web?index=1&wait=10m`),
      2000,
      'an at-once answer',
    );
    assert.ok(res.index > 1);
    await within(getJson(`${h.url}/v1/catalog/services?index=0`), 2000, 'index=0');
  });

  test('KV blocking: a key wakes on its own write, not on a sibling', async () => {
    await put(`${h.url}/v1/kv/app/a`, '1');
    const first = await fetch(`${h.url}/v1/kv/app/a`);
    const index = Number(first.headers.get('x-consul-index'));
    const holding = new Promise<void>((resolve) => {
      const onHold = (message: unknown) => {
        if ((message as ChannelMessage).target.kind !== 'kv') return;
        unsubscribe('switchyard:registry:blocking-hold', onHold);
        resolve();
      };
      subscribe('switchyard:registry:blocking-hold', onHold);
    });
    const blocked = getJson<ConsulKvJson[]>(`${h.url}/v1/kv/app/a?index=${index}&wait=30s`);
    await within(holding, 5000, 'the KV query to be held');
    await put(`${h.url}/v1/kv/app/b`, 'sibling');
    await put(`${h.url}/v1/kv/app/a`, '2');
    const answer = await within(blocked, 5000, 'the KV query to answer');
    assert.equal(Buffer.from(answer.body[0]?.Value ?? '', 'base64').toString(), '2');
    assert.equal(answer.index, answer.body[0]?.ModifyIndex);
  });

  test('X-Consul-Index never goes down across writes, and is never 0', async () => {
    let last = 0;
    for (let i = 0; i < 5; i++) {
      await register(h.url, 'mono', `mono${i}`);
      const { index } = await getJson<ConsulHealthEntryJson[]>(`${h.url}/v1/health/service/mono`);
      assert.ok(index > last, `${index} > ${last}`);
      last = index;
      const services = await getJson(`${h.url}/v1/catalog/services`);
      assert.ok(services.index >= index);
    }
  });

  test('server shutdown answers held queries instead of dropping them', async () => {
    const other = await startHarness();
    try {
      const first = await getJson(`${other.url}/v1/catalog/services`);
      const holding = new Promise<void>((resolve) => {
        const onHold = () => {
          unsubscribe('switchyard:registry:blocking-hold', onHold);
          resolve();
        };
        subscribe('switchyard:registry:blocking-hold', onHold);
      });
      const blocked = getJson(`${other.url}/v1/catalog/services?index=${first.index}&wait=5m`);
      await within(holding, 5000, 'held');
      const closing = other.close();
      assert.equal((await within(blocked, 5000, 'the answer at shutdown')).index, first.index);
      await closing;
    } finally {
      await other.close();
    }
  });
});

describe('push stream (SSE)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ streamHeartbeatMs: 50 });
    await register(h.url, 'web', 'web1');
  });
  after(async () => {
    await h.close();
    assert.deepEqual(h.errors, []);
  });

  /** Opens the stream and parses its events as they arrive. */
  function openStream(query: string) {
    const events: { event: string; data: StreamData; id: string }[] = [];
    let comments = 0;
    let waiter: (() => void) | undefined;
    let res: IncomingMessage | undefined;
    const opened = new Promise<IncomingMessage>((resolve, reject) => {
      const req = get(`${h.url}/v1/switchyard/stream${query}`, (r) => {
        res = r;
        let buffer = '';
        r.setEncoding('utf8');
        r.on('data', (chunk: string) => {
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            if (frame.startsWith(':')) comments++;
            const fields: Record<string, string> = Object.fromEntries(
              frame
                .split('\n')
                .filter((l) => !l.startsWith(':'))
                .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
            );
            if (fields.event)
              events.push({
                event: fields.event,
                data: JSON.parse(fields.data ?? '') as StreamData,
                id: fields.id ?? '',
              });
            waiter?.();
          }
        });
        resolve(r);
      });
      req.on('error', reject);
    });
    const next = (predicate: () => boolean, what: string) =>
      within(
        new Promise<void>((resolve) => {
          const check = () => (predicate() ? resolve() : (waiter = check));
          check();
        }),
        5000,
        what,
      );
    return { events, opened, next, comments: () => comments, close: () => res?.destroy() };
  }

  test('a service stream: snapshot first, then a change event when an instance registers', async () => {
    const stream = openStream('?service=web');
    const res = await stream.opened;
    assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
    await stream.next(() => stream.events.length >= 1, 'the snapshot');
    const [snapshot] = stream.events;
    assert.equal(snapshot!.event, 'snapshot');
    assert.deepEqual(Object.keys(snapshot!.data.services), ['web']);
    assert.deepEqual(
      snapshot!.data.services.web!.map((e) => e.Service.ID),
      ['web1'],
    );

    await register(h.url, 'other', 'other1'); // not this stream's service
    await register(h.url, 'web', 'web2');
    await stream.next(() => stream.events.length >= 2, 'a change event');
    const change = stream.events[1]!;
    assert.equal(change.event, 'change');
    assert.equal(change.data.service, 'web');
    assert.equal(change.data.index, h.catalog.serviceIndex('web'));
    assert.equal(change.id, String(change.data.index));
    assert.deepEqual(change.data.entries.map((e) => e.Service.ID).sort(), ['web1', 'web2']);
    assert.equal(stream.events.length, 2, 'no event for another service');

    await stream.next(() => stream.comments() >= 1, 'a heartbeat');
    const subscribers = h.catalog.hub.size;
    stream.close();
    await until(() => h.catalog.hub.size === subscribers - 1, 5000, 'the stream to unsubscribe');
  });

  test('the all-services stream reports every service, and [] when one goes away', async () => {
    const stream = openStream('');
    await stream.opened;
    await stream.next(() => stream.events.length >= 1, 'the snapshot');
    assert.deepEqual(Object.keys(stream.events[0]!.data.services).sort(), ['other', 'web']);
    await put(`${h.url}/v1/agent/service/deregister/other1`);
    await stream.next(() => stream.events.length >= 2, 'the change');
    assert.deepEqual(
      [stream.events[1]!.data.service, stream.events[1]!.data.entries],
      ['other', []],
    );
    stream.close();
  });
});

describe('token auth', () => {
  test('writes need the token; reads do not unless asked', async () => {
    const h = await startHarness({ token: 's3cret' });
    try {
      const denied = await put(`${h.url}/v1/agent/service/register`, { Name: 'web' });
      assert.equal(denied.status, 403);
      assert.match(await denied.text(), /^Permission denied/);
      assert.equal(denied.headers.get('x-switchyard-error'), 'SY_REG_PERMISSION_DENIED');
      const wrong = await put(
        `${h.url}/v1/agent/service/register`,
        { Name: 'web' },
        { 'X-Consul-Token': 's3cretX' },
      );
      assert.equal(wrong.status, 403);
      const ok = await put(
        `${h.url}/v1/agent/service/register`,
        { Name: 'web' },
        { 'X-Consul-Token': 's3cret' },
      );
      assert.equal(ok.status, 200);
      const bearer = await put(`${h.url}/v1/kv/a`, 'x', { Authorization: 'Bearer s3cret' });
      assert.equal(bearer.status, 200);
      assert.equal((await fetch(`${h.url}/v1/kv/a`, { method: 'DELETE' })).status, 403);
      assert.equal((await fetch(`${h.url}/v1/health/service/web`)).status, 200);
      assert.equal((await fetch(`${h.url}/v1/kv/a`)).status, 200);
      assert.equal(h.catalog.instancesOf('web').length, 1);
    } finally {
      await h.close();
    }
  });

  test('with requireTokenForReads, reads (and the stream) need it too', async () => {
    const h = await startHarness({ token: 's3cret', requireTokenForReads: true });
    try {
      assert.equal((await fetch(`${h.url}/v1/health/service/web`)).status, 403);
      assert.equal((await fetch(`${h.url}/v1/switchyard/stream`)).status, 403);
      const ok = await fetch(`${h.url}/v1/health/service/web`, {
        headers: { 'X-Consul-Token': 's3cret' },
      });
      assert.equal(ok.status, 200);
    } finally {
      await h.close();
    }
  });

  test('an empty token, or reads-only protection without one, is refused at start', async () => {
    await assert.rejects(startHarness({ token: '' }), { code: 'SY_REG_HTTP_INVALID_OPTION' });
    await assert.rejects(startHarness({ requireTokenForReads: true }), {
      code: 'SY_REG_HTTP_INVALID_OPTION',
    });
  });
});
