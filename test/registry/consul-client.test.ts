import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Consul from 'consul';
import type { CheckOptions } from 'consul/lib/agent/check.js';
import {
  startHarness,
  within,
  type ConsulCatalogServiceJson,
  type ConsulCheckJson,
  type ConsulHealthEntryJson,
  type ConsulKvJson,
  type ConsulServiceJson,
  type Harness,
} from './http-harness.js';

// The real `consul` npm client (2.x), unmodified, against the registry's Consul-compatible API.

let h: Harness;
let consul: Consul;

before(async () => {
  h = await startHarness();
  consul = new Consul({ host: '127.0.0.1', port: h.port });
});

after(async () => {
  consul.destroy();
  await h.close();
  assert.deepEqual(h.errors, [], 'no request failed on a bug');
});

/** The client's typings require `name` and `timeout` on every check; Consul does not. */
const ttlCheck = (ttl: string, status?: string) => ({ ttl, status }) as CheckOptions;

async function healthPassing(service: string): Promise<ConsulHealthEntryJson[]> {
  const entries: ConsulHealthEntryJson[] = await consul.health.service({ service, passing: true });
  return entries;
}

async function kvEntry(key: string): Promise<ConsulKvJson | undefined> {
  return (await consul.kv.get(key)) as ConsulKvJson | undefined;
}

test('register with a TTL check, pass it by its generated ID, find it in health passing', async () => {
  await consul.agent.service.register({
    name: 'web',
    id: 'web1',
    address: '127.0.0.1',
    port: 8080,
    tags: ['v1'],
    meta: { version: '1.0.0' },
    check: ttlCheck('10s'),
  });
  // A new check starts critical, so the instance is not yet in passing answers.
  assert.deepEqual(await healthPassing('web'), []);

  await consul.agent.check.pass({ id: 'service:web1', note: 'all good' });
  const entries = await healthPassing('web');
  assert.equal(entries.length, 1);
  const entry = entries[0]!;
  assert.deepEqual(Object.keys(entry).sort(), ['Checks', 'Node', 'Service']);
  assert.equal(entry.Service.ID, 'web1');
  assert.equal(entry.Service.Service, 'web');
  assert.equal(entry.Service.Address, '127.0.0.1');
  assert.equal(entry.Service.Port, 8080);
  assert.deepEqual(entry.Service.Tags, ['v1']);
  assert.deepEqual(entry.Service.Meta, { version: '1.0.0' });
  assert.equal(entry.Node.Node, 'node-1');
  assert.deepEqual(entry.Checks.map((c) => c.CheckID).sort(), ['serfHealth', 'service:web1']);
  const ttl = entry.Checks.find((c) => c.CheckID === 'service:web1')!;
  assert.equal(ttl.Status, 'passing');
  assert.equal(ttl.Output, 'all good');
  assert.equal(ttl.Name, "Service 'web' check");

  const services: Record<string, ConsulServiceJson> = await consul.agent.service.list();
  assert.equal(services.web1?.Service, 'web');
  const checks: Record<string, ConsulCheckJson> = await consul.agent.check.list();
  assert.equal(checks['service:web1']?.Status, 'passing');
  assert.equal(checks.serfHealth, undefined, 'serfHealth is not an agent check');
});

test('catalog services and service nodes', async () => {
  assert.deepEqual(await consul.catalog.services(), { web: ['v1'] });
  const nodes: ConsulCatalogServiceJson[] = await consul.catalog.service.nodes({ service: 'web' });
  assert.equal(nodes.length, 1);
  assert.deepEqual(
    [nodes[0]!.ServiceID, nodes[0]!.ServiceName, nodes[0]!.ServicePort, nodes[0]!.Node],
    ['web1', 'web', 8080, 'node-1'],
  );
  assert.deepEqual(await consul.catalog.service.nodes({ service: 'web', tag: 'nope' }), []);
});

test('warn, fail and maintenance move the instance out of passing answers', async () => {
  await consul.agent.check.warn('service:web1');
  assert.deepEqual(await healthPassing('web'), []);
  await consul.agent.check.pass('service:web1');
  await consul.agent.service.maintenance({ id: 'web1', enable: true, reason: 'deploy' });
  const all: ConsulHealthEntryJson[] = await consul.health.service('web');
  const maint = all[0]!.Checks.find((c) => c.CheckID === '_service_maintenance:web1')!;
  assert.equal(maint.Status, 'critical');
  assert.equal(maint.Notes, 'deploy');
  assert.deepEqual(await healthPassing('web'), []);
  await consul.agent.service.maintenance({ id: 'web1', enable: false });
  assert.equal((await healthPassing('web')).length, 1);
  await consul.agent.check.fail('service:web1');
  assert.deepEqual(await healthPassing('web'), []);
  await consul.agent.check.pass('service:web1');
});

test('KV set / get / keys / delete with cas', async () => {
  assert.equal(await consul.kv.set({ key: 'cfg/a', value: 'hello', cas: 0 }), true);
  // The server answers `false`; papi (the client's HTTP layer) turns a falsy body into undefined.
  assert.equal(await consul.kv.set({ key: 'cfg/a', value: 'again', cas: 0 }), undefined);
  const got = (await kvEntry('cfg/a'))!;
  assert.equal(got.Value, 'hello', 'cas=0 wrote only while the key was absent');
  assert.equal(got.Key, 'cfg/a');
  assert.equal(await consul.kv.set({ key: 'cfg/a', value: 'v2', cas: got.ModifyIndex }), true);
  assert.equal(await consul.kv.set({ key: 'cfg/b', value: 'b', flags: 42 }), true);
  assert.deepEqual(await consul.kv.keys('cfg/'), ['cfg/a', 'cfg/b']);
  const all = (await consul.kv.get({ key: 'cfg/', recurse: true })) as ConsulKvJson[];
  assert.deepEqual(
    all.map((e) => [e.Key, e.Value, e.Flags]),
    [
      ['cfg/a', 'v2', 0],
      ['cfg/b', 'b', 42],
    ],
  );
  const current = (await kvEntry('cfg/a'))!;
  assert.equal(await consul.kv.del({ key: 'cfg/a', cas: current.ModifyIndex - 1 }), undefined);
  assert.equal((await kvEntry('cfg/a'))?.Value, 'v2', 'a failed cas changed nothing');
  assert.equal(await consul.kv.del({ key: 'cfg/a', cas: current.ModifyIndex }), true);
  assert.equal(await consul.kv.get('cfg/a'), undefined, 'a 404 resolves to undefined');
  assert.equal(await consul.kv.del({ key: 'cfg/', recurse: true }), true);
  assert.deepEqual(await consul.kv.keys(''), []);
});

test('status, agent self and members', async () => {
  assert.equal(await consul.status.leader(), '127.0.0.1:8300');
  assert.deepEqual(await consul.status.peers(), ['127.0.0.1:8300']);
  const self = (await consul.agent.self()) as { Config: { NodeName: string; Datacenter: string } };
  assert.equal(self.Config.NodeName, 'node-1');
  assert.equal(self.Config.Datacenter, 'dc1');
  const members = (await consul.agent.members()) as { Name: string }[];
  assert.equal(members[0]?.Name, 'node-1');
});

test('our 400 and 404 messages reach the caller through the client', async () => {
  const badPort = { name: 'bad', port: '80' as unknown as number };
  await assert.rejects(consul.agent.service.register(badPort), {
    statusCode: 400,
    message: 'Port: expected an integer from 0 to 65535, got string "80"',
  });
  await assert.rejects(consul.agent.check.pass('service:nope'), {
    statusCode: 404,
    message: 'unknown check ID "service:nope"',
  });
});

test('a watch on health.service sees an instance appear', async () => {
  const watch = consul.watch({
    // The watch calls the method with its own `this` ({ consul }), as the client documents.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    method: consul.health.service,
    options: { service: 'api', passing: 'true', wait: '10s' },
  });
  const changes: ConsulHealthEntryJson[][] = [];
  let onChange: (() => void) | undefined;
  watch.on('change', (data: ConsulHealthEntryJson[]) => {
    changes.push(data);
    onChange?.();
  });
  const errors: unknown[] = [];
  watch.on('error', (error: unknown) => errors.push(error));
  const nextChange = () => new Promise<void>((resolve) => (onChange = resolve));
  try {
    await within(nextChange(), 5000, 'the first answer of the watch');
    assert.deepEqual(changes.at(-1), []);
    const appeared = nextChange();
    await consul.agent.service.register({
      name: 'api',
      id: 'api1',
      port: 9000,
      check: ttlCheck('10s', 'passing'),
    });
    await within(appeared, 5000, 'the watch to see api1');
    assert.deepEqual(
      changes.at(-1)!.map((e) => e.Service.ID),
      ['api1'],
    );
    assert.deepEqual(errors, []);
  } finally {
    watch.end();
  }
});

test("the seed's fetch snippets: register with an HTTP check, discover with ?passing=true", async () => {
  const res = await fetch(`${h.url}/v1/agent/service/register`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      Name: 'order-service',
      ID: 'order-service-host1',
      Address: '127.0.0.1',
      Port: 3000,
      Check: {
        HTTP: 'http://127.0.0.1:3000/health',
        Interval: '10s',
        Timeout: '5s',
        DeregisterCriticalServiceAfter: '30s',
      },
    }),
  });
  assert.equal(res.status, 200);
  const discover = async () => {
    const r = await fetch(`${h.url}/v1/health/service/order-service?passing=true`);
    const instances = (await r.json()) as ConsulHealthEntryJson[];
    return instances.map((i) => ({ host: i.Service.Address, port: i.Service.Port }));
  };
  // Registered, but its HTTP check starts critical: not yet discoverable.
  assert.deepEqual(await discover(), []);
  // The registry's health runner would run the probe; here the catalog records its verdict.
  await h.catalog.updateCheck('service:order-service-host1', 'passing', 'HTTP GET 200');
  assert.deepEqual(await discover(), [{ host: '127.0.0.1', port: 3000 }]);
});
