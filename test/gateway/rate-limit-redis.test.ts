import { captureLogger } from '../helpers/capture-logger.js';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { PolicyContext } from '../../src/gateway/policies/policy.js';
import { rateLimit } from '../../src/gateway/policies/rate-limit/rate-limit.js';
import {
  redisRateLimiter,
  type RedisRateLimiterOptions,
} from '../../src/gateway/policies/rate-limit/redis-rate-limiter.js';
import { startRedis, type StartedRedis } from '../helpers/redis.js';

// Real redis-server, several real ioredis connections: the shared limit must hold exactly under
// concurrency (Kong #4080, APISIX #13704, Traefik: read-then-write races admitting up to 3×).

const CLIENTS = 4;
let server: StartedRedis;
const clients: Redis[] = [];
let prefixSeq = 0;

function connect(port: number): Redis {
  const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, lazyConnect: true });
  r.on('error', () => {}); // reconnect noise while a test has stopped the server
  clients.push(r);
  return r;
}

async function ready(...rs: Redis[]): Promise<void> {
  await Promise.all(rs.filter((r) => r.status !== 'ready').map((r) => r.connect()));
}

/** A fresh prefix per test so tests never share state. */
function prefix(): string {
  return `t${++prefixSeq}:`;
}

before(async () => {
  server = await startRedis();
});

after(async () => {
  for (const r of clients) r.disconnect();
  await server.stop();
});

describe('redisRateLimiter against a real Redis', { timeout: 30_000 }, () => {
  const cases: [string, Omit<RedisRateLimiterOptions, 'prefix'>][] = [
    // Slow refill (50 per hour / minute) so no token comes back during the test.
    ['token bucket', { rate: '50/h', burst: 50, algorithm: 'token-bucket' }],
    ['leaky bucket (nodelay)', { rate: '50/h', burst: 49, nodelay: true }],
    ['leaky bucket (held)', { rate: '50/h', burst: 49 }],
    ['sliding window', { rate: '50/m', algorithm: 'sliding-window' }],
  ];
  for (const [name, options] of cases) {
    test(`${name}: 200 concurrent takes from ${CLIENTS} connections admit exactly 50`, async () => {
      const conns = Array.from({ length: CLIENTS }, () => connect(server.port));
      await ready(...conns);
      const p = prefix();
      const limiters = conns.map((c) =>
        redisRateLimiter(c, { ...options, prefix: p, logger: captureLogger() }),
      );
      const decisions = await Promise.all(
        Array.from({ length: 200 }, (_, i) => limiters[i % CLIENTS]!.take('client-1')),
      );
      assert.equal(decisions.filter((d) => d.allowed).length, 50);
      assert.ok(
        limiters.every((l) => !l.degraded),
        'every decision came from Redis',
      );
      const refused = decisions.find((d) => !d.allowed)!;
      assert.equal(refused.remaining, 0);
      assert.ok(refused.retryAfterMs > 0);
      // Another key has its own budget.
      assert.equal((await limiters[0]!.take('client-2')).allowed, true);
    });
  }

  test('control: a read-then-write limiter over-admits under the same load (the race we avoid)', async () => {
    const conns = Array.from({ length: CLIENTS }, () => connect(server.port));
    await ready(...conns);
    const key = `${prefix()}racy`;
    const racyTake = async (c: Redis) => {
      const used = Number((await c.get(key)) ?? 0);
      if (used >= 50) return false;
      await c.set(key, used + 1);
      return true;
    };
    const admitted = await Promise.all(
      Array.from({ length: 200 }, (_, i) => racyTake(conns[i % CLIENTS]!)),
    );
    assert.ok(admitted.filter(Boolean).length > 50, 'the accuracy test above can detect a race');
  });

  test('decisions: remaining counts down, refusals say when to retry, peek does not charge', async () => {
    const [c] = [connect(server.port)];
    await ready(c);
    const limiter = redisRateLimiter(c, {
      rate: '2/s',
      burst: 2,
      algorithm: 'token-bucket',
      prefix: prefix(),
    });
    assert.equal(limiter.limit, 2);
    const a = await limiter.take('k');
    assert.deepEqual([a.allowed, a.remaining, a.delayMs], [true, 1, 0]);
    assert.equal((await limiter.peek('k')).remaining, 0);
    assert.equal((await limiter.take('k')).remaining, 0);
    const refused = await limiter.take('k');
    assert.equal(refused.allowed, false);
    // One token back after 500 ms at 2/s, less the time since the second take.
    assert.ok(refused.retryAfterMs > 300 && refused.retryAfterMs <= 500, `${refused.retryAfterMs}`);
    assert.ok(refused.resetMs > 700 && refused.resetMs <= 1000, `${refused.resetMs}`);
    await limiter.reset('k');
    assert.equal((await limiter.take('k')).remaining, 1);
  });

  test('leaky bucket without nodelay: excess requests are held at the rate, as in nginx', async () => {
    const c = connect(server.port);
    await ready(c);
    const limiter = redisRateLimiter(c, { rate: '10/s', burst: 3, prefix: prefix() });
    const ds = [];
    for (let i = 0; i < 5; i++) ds.push(await limiter.take('ip'));
    assert.deepEqual(
      ds.map((d) => d.allowed),
      [true, true, true, true, false],
    );
    assert.equal(ds[0]!.delayMs, 0);
    // Held ≈ 100, 200, 300 ms (less the few ms between takes).
    for (let i = 1; i <= 3; i++) {
      assert.ok(Math.abs(ds[i]!.delayMs - 100 * i) < 50, `hold ${i}: ${ds[i]!.delayMs}`);
    }
  });

  test('a lazy client that has not connected yet connects on the first decision', async () => {
    const c = connect(server.port); // lazyConnect: status 'wait'
    assert.equal(c.status, 'wait');
    const limiter = redisRateLimiter(c, { rate: '5/s', prefix: prefix() });
    assert.equal((await limiter.take('a')).remaining, 4);
    assert.equal(limiter.degraded, false);
  });

  test('EVALSHA falls back to EVAL after SCRIPT FLUSH (NOSCRIPT)', async () => {
    const c = connect(server.port);
    await ready(c);
    const limiter = redisRateLimiter(c, { rate: '5/s', prefix: prefix() });
    await limiter.take('a');
    await c.script('FLUSH');
    const d = await limiter.take('a');
    assert.equal(d.allowed, true);
    assert.equal(d.remaining, 3);
    assert.equal(limiter.degraded, false);
  });

  test('reset() with no key forgets every key under the prefix', async () => {
    const c = connect(server.port);
    await ready(c);
    const p = prefix();
    const limiter = redisRateLimiter(c, {
      rate: '1/h',
      burst: 1,
      algorithm: 'token-bucket',
      prefix: p,
    });
    for (const k of ['a', 'b', 'c']) await limiter.take(k);
    await limiter.take();
    assert.equal((await c.keys(`${p}*`)).length, 4);
    await limiter.reset();
    assert.deepEqual(await c.keys(`${p}*`), []);
    assert.equal((await limiter.take('a')).allowed, true);
  });

  test('the cluster-scope policy answers 429 once the shared limit is spent', async () => {
    const conns = [connect(server.port), connect(server.port)];
    await ready(...conns);
    const p = prefix();
    const gateways = conns.map((redis) =>
      rateLimit({
        rate: '3/h',
        burst: 3,
        algorithm: 'token-bucket',
        scope: 'cluster',
        redis,
        prefix: p,
      }),
    );
    const ctx = {
      req: { headers: {} } as IncomingMessage,
      requestId: 'r',
      clientIp: '192.0.2.1',
      upstreamHeaders: [],
    } satisfies PolicyContext;
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await gateways[i % 2]!.apply(ctx));
    assert.deepEqual(
      answers.map((a) => a?.status),
      [undefined, undefined, undefined, 429, 429],
    );
    assert.equal(answers[3]!.body.code, 'SY_GW_RATE_LIMITED');
    assert.equal(answers[3]!.headers!['RateLimit-Limit'], '3');
    assert.equal(answers[3]!.headers!['RateLimit-Remaining'], '0');
    assert.ok(Number(answers[3]!.headers!['Retry-After']) >= 1);
  });
});

// Last: this stops the shared server (and then starts a fresh one to see recovery).
describe('Redis down', { timeout: 30_000 }, () => {
  test("onRedisError 'allow' falls back to a local limit, warns once, and recovers", async () => {
    const down = await startRedis();
    const c = connect(down.port);
    await ready(c);
    const logger = captureLogger();
    const limiter = redisRateLimiter(c, {
      rate: '2/h',
      burst: 2,
      algorithm: 'token-bucket',
      prefix: prefix(),
      logger,
    });
    assert.equal((await limiter.take('k')).allowed, true);
    const closed = new Promise((resolve) => c.once('close', resolve));
    await down.stop();
    await closed;
    // The fallback is a fresh local bucket of the same size: 2 allowed, then refused.
    const ds = [await limiter.take('k'), await limiter.take('k'), await limiter.take('k')];
    assert.deepEqual(
      ds.map((d) => d.allowed),
      [true, true, false],
    );
    assert.equal(limiter.degraded, true);
    assert.equal(
      logger.lines.filter((l) => l.startsWith('warn')).length,
      1,
      logger.lines.join('\n'),
    );

    const back = await startRedis(down.port);
    try {
      await new Promise((resolve) => c.once('ready', resolve));
      // Decisions come from Redis again: a fresh server, so a full bucket.
      assert.equal((await limiter.take('k')).remaining, 1);
      assert.equal(limiter.degraded, false);
      assert.ok(logger.lines.some((l) => l.startsWith('info')));
    } finally {
      c.disconnect();
      await back.stop();
    }
  });

  test("onRedisError 'deny': the policy answers 503 SY_GW_RATE_LIMIT_UNAVAILABLE", async () => {
    const down = await startRedis();
    const c = connect(down.port);
    await ready(c);
    const logger = captureLogger();
    const policy = rateLimit({
      rate: '100/s',
      scope: 'cluster',
      redis: c,
      onRedisError: 'deny',
      prefix: prefix(),
      logger,
    });
    const ctx = {
      req: { headers: {} } as IncomingMessage,
      requestId: 'r',
      clientIp: '192.0.2.1',
      upstreamHeaders: [],
    } satisfies PolicyContext;
    assert.equal(await policy.apply(ctx), undefined);
    const closed = new Promise((resolve) => c.once('close', resolve));
    await down.stop();
    await closed;
    const answer = await policy.apply(ctx);
    assert.equal(answer?.status, 503);
    assert.equal(answer.body.code, 'SY_GW_RATE_LIMIT_UNAVAILABLE');
    await assert.rejects(policy.limiter.take('x') as Promise<unknown>, {
      code: 'SY_GW_RATE_LIMIT_UNAVAILABLE',
    });
    c.disconnect();
  });
});
