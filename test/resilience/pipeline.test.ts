import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  BrokenCircuitError,
  TimeoutError,
  circuitBreaker,
  constantBackoff,
  retry,
  timeout,
  wrap,
} from '../../src/resilience/index.js';

// The policies together, against a real HTTP server on an ephemeral loopback port.
describe('resilience pipeline against a real HTTP service', () => {
  let server: Server;
  let base: string;
  let hits = 0;
  let failNext = 0;
  let hang = false;

  before(async () => {
    server = createServer((req, res) => {
      hits++;
      req.resume();
      if (hang) return; // never answers; the client's abort closes the socket
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end('down');
      } else {
        res.writeHead(200).end('ok');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = async ({ signal }: { signal: AbortSignal | undefined }) => {
    const res = await fetch(base, { signal });
    await res.text();
    return res;
  };
  const is5xx = (res: Response) => res.status >= 500;

  test('retry rides out two 503s; the breaker counts each attempt', async () => {
    hits = 0;
    failNext = 2;
    const breaker = circuitBreaker({ failureThreshold: 5, isResultFailure: is5xx });
    const policy = wrap(
      retry({ maxAttempts: 3, backoff: constantBackoff(0), retryOnResult: is5xx }),
      breaker,
    );
    const res = await policy.execute(get);
    assert.equal(res.status, 200);
    assert.equal(hits, 3);
    assert.equal(breaker.snapshot().consecutiveFailures, 0);
  });

  test('after the 5th failure the breaker fails fast and the service sees no more calls', async () => {
    hits = 0;
    failNext = 1000;
    const breaker = circuitBreaker({ failureThreshold: 5, cooldown: '1h', isResultFailure: is5xx });
    for (let i = 0; i < 5; i++) assert.equal((await breaker.execute(get)).status, 503);
    assert.equal(breaker.state, 'OPEN');
    const error = await breaker.execute(get).catch((e: unknown) => e);
    assert.ok(error instanceof BrokenCircuitError);
    assert.ok(error.retryAfterMs > 3_500_000);
    assert.equal(hits, 5);
    failNext = 0;
  });

  test('an outer timeout aborts the in-flight HTTP request through the signal', async () => {
    hang = true;
    hits = 0;
    try {
      const policy = wrap(timeout(150), retry({ maxAttempts: 1 }), circuitBreaker());
      const error = await policy.execute(get).catch((e: unknown) => e);
      assert.ok(error instanceof TimeoutError, String(error));
      assert.equal(hits, 1);
    } finally {
      hang = false;
    }
  });
});
