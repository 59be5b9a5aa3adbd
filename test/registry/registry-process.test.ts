import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startCli, type StartedProcess } from '../helpers/process.js';

const READY = /HTTP \(Consul API\) (http:\/\/127\.0\.0\.1:\d+)/;

describe('switchyard registry (a real process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sy-registry-'));
  const started: StartedProcess[] = [];
  const start = async () => {
    const p = startCli([
      'registry',
      '--http',
      '127.0.0.1:0',
      '--dns',
      '127.0.0.1:0',
      '--data-dir',
      dataDir,
    ]);
    started.push(p);
    const [, url] = await p.waitFor(READY);
    return { p, url: url! };
  };
  after(async () => {
    for (const p of started) await p.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('keeps every registration and key across kill -9, and exits cleanly on SIGTERM', async () => {
    const first = await start();
    for (let i = 1; i <= 3; i++) {
      const res = await fetch(`${first.url}/v1/agent/service/register`, {
        method: 'PUT',
        body: JSON.stringify({
          Name: 'web',
          ID: `web-${i}`,
          Address: '127.0.0.1',
          Port: 9000 + i,
          Check: { TTL: '30s', Status: 'passing' },
        }),
      });
      assert.equal(res.status, 200, await res.text());
    }
    const put = await fetch(`${first.url}/v1/kv/cfg%2Fa`, { method: 'PUT', body: 'hello' });
    assert.equal(await put.text(), 'true');

    await first.p.kill(); // SIGKILL: no chance to flush anything
    const second = await start();
    const res = await fetch(`${second.url}/v1/health/service/web?passing=true`);
    const health = (await res.json()) as { Service: { ID: string } }[];
    assert.deepEqual(health.map((e) => e.Service.ID).sort(), ['web-1', 'web-2', 'web-3']);
    assert.equal(await (await fetch(`${second.url}/v1/kv/cfg/a?raw`)).text(), 'hello');
    assert.equal(await second.p.stop(), 0);
  });
});
