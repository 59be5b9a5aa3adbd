import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { CheckDefinition } from '../catalog/model.js';
import { parseHostPort, tcpProbe } from './tcp-check.js';

const definition = (tcp: string): CheckDefinition => ({
  id: 'c1',
  name: 'tcp',
  notes: '',
  type: 'tcp',
  tcp,
  intervalMs: 10_000,
  successBeforePassing: 0,
  failuresBeforeCritical: 0,
});

const live = () => new AbortController().signal;

describe('tcpProbe', () => {
  test('an open port is passing', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await tcpProbe(definition(target), live());
      assert.deepEqual(result, { status: 'passing', output: `TCP connect ${target}: Success` });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a closed port is critical', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((resolve) => server.close(resolve));
    const result = await tcpProbe(definition(target), live());
    assert.equal(result.status, 'critical');
    assert.match(result.output, new RegExp(`^dial tcp ${target}: .*ECONNREFUSED`));
  });

  test('an abort (the timeout) is critical with its reason', async () => {
    const controller = new AbortController();
    // 192.0.2.0/24 is TEST-NET-1: nothing answers, so only the abort can end the probe
    const pending = tcpProbe(definition('192.0.2.1:9'), controller.signal);
    controller.abort(new Error('timed out after 5 ms'));
    const result = await pending;
    assert.deepEqual(result, {
      status: 'critical',
      output: 'dial tcp 192.0.2.1:9: timed out after 5 ms',
    });
  });

  test('a malformed address is critical without dialing', async () => {
    const result = await tcpProbe(definition('no-port'), live());
    assert.equal(result.status, 'critical');
    assert.match(result.output, /invalid address/);
  });

  test('parseHostPort accepts host:port and [v6]:port only', () => {
    assert.deepEqual(parseHostPort('10.0.0.1:80'), { host: '10.0.0.1', port: 80 });
    assert.deepEqual(parseHostPort('db.internal:5432'), { host: 'db.internal', port: 5432 });
    assert.deepEqual(parseHostPort('[::1]:8500'), { host: '::1', port: 8500 });
    for (const bad of ['', ':80', 'host', 'host:', 'host:0', 'host:70000', 'host:8a', '::1:80']) {
      assert.equal(parseHostPort(bad), undefined, bad);
    }
  });
});
