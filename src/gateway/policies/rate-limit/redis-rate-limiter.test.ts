import { captureLogger } from '../../../../test/helpers/capture-logger.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../../resilience/index.js';
import { limiterSpec } from './limiter-spec.js';
import { redisRateLimiter, type RedisClient } from './redis-rate-limiter.js';
import { GCRA, SLIDING_WINDOW } from './redis-scripts.js';

// The failure paths, with a scripted stand-in for ioredis; the real-Redis behaviour (atomicity,
// TIME, NOSCRIPT) is in test/gateway/rate-limit-redis.test.ts.

type Reply = (args: (string | number)[]) => Promise<unknown>;

function fakeRedis(reply: Reply, status = 'ready') {
  const calls: string[] = [];
  const client = {
    status,
    evalsha: (sha: string, _n: number, ...args: (string | number)[]) => {
      calls.push(
        `evalsha ${sha === GCRA.sha ? 'gcra' : sha === SLIDING_WINDOW.sha ? 'window' : sha}`,
      );
      return reply(args);
    },
    eval: (_script: string, _n: number, ...args: (string | number)[]) => {
      calls.push('eval');
      void args;
      return Promise.resolve(['1', '100', '0', '0']);
    },
    del: () => Promise.resolve(1),
    scan: () => Promise.resolve(['0', []] as [string, string[]]),
  } satisfies RedisClient;
  return { client, calls };
}

const OPTIONS = { rate: '10/s', burst: 2, algorithm: 'token-bucket' } as const;

describe('redisRateLimiter failure handling', () => {
  test('reads the GCRA reply into a decision (key, ARGV, cost, commit)', async () => {
    let seen: (string | number)[] = [];
    const { client } = fakeRedis((args) => {
      seen = args;
      return Promise.resolve(['1', '150', '0', '0']);
    });
    const limiter = redisRateLimiter(client, { ...OPTIONS, prefix: 'p:' });
    const d = await limiter.take('ip-1');
    assert.deepEqual(seen, ['p:k:ip-1', '100', '200', '-1', '1', '1']);
    assert.deepEqual(
      { ...d },
      { allowed: true, remaining: 0, retryAfterMs: 0, resetMs: 150, limit: 2, delayMs: 0 },
    );
    await limiter.peek();
    assert.deepEqual(seen, ['p:g', '100', '200', '-1', '1', '0']);
  });

  test('NOSCRIPT → EVAL with the source, once', async () => {
    const { client, calls } = fakeRedis(() =>
      Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.')),
    );
    const d = await redisRateLimiter(client, OPTIONS).take('k');
    assert.equal(d.allowed, true);
    assert.deepEqual(calls, ['evalsha gcra', 'eval']);
  });

  test("an error falls back to the local limit ('allow'), warns once per outage, recovers", async () => {
    let fail = true;
    const { client } = fakeRedis(() =>
      fail ? Promise.reject(new Error('READONLY')) : Promise.resolve(['1', '100', '0', '0']),
    );
    const logger = captureLogger();
    const limiter = redisRateLimiter(client, { ...OPTIONS, logger, clock: new ManualClock() });
    const local = [await limiter.take('k'), await limiter.take('k'), await limiter.take('k')];
    assert.deepEqual(
      local.map((d) => d.allowed),
      [true, true, false],
    );
    assert.equal(limiter.degraded, true);
    assert.deepEqual(logger.lines, [
      'warn rate limit: Redis unavailable, falling back to a per-process limit',
    ]);
    fail = false;
    assert.equal((await limiter.take('k')).allowed, true);
    assert.equal(limiter.degraded, false);
    assert.equal(logger.lines.length, 2);
  });

  test('a disconnected client is not even called (no round trip, no timer)', async () => {
    const { client, calls } = fakeRedis(
      () => Promise.reject(new Error('unreachable')),
      'reconnecting',
    );
    const limiter = redisRateLimiter(client, { ...OPTIONS, logger: captureLogger() });
    assert.equal((await limiter.take('k')).allowed, true);
    assert.deepEqual(calls, []);
    assert.equal(limiter.degraded, true);
  });

  test('a hung Redis counts as down after `timeout`', async () => {
    const { client } = fakeRedis(() => new Promise(() => {}));
    const limiter = redisRateLimiter(client, { ...OPTIONS, timeout: 20, logger: captureLogger() });
    // The limiter's timer is unref'd (a real socket keeps the loop alive); this one stands in.
    const keepAlive = setTimeout(() => {}, 5000);
    const d = await limiter.take('k');
    clearTimeout(keepAlive);
    assert.equal(d.allowed, true);
    assert.equal(limiter.degraded, true);
  });

  test("'deny' rejects with SY_GW_RATE_LIMIT_UNAVAILABLE (503)", async () => {
    const { client } = fakeRedis(() => Promise.reject(new Error('boom')));
    const limiter = redisRateLimiter(client, {
      ...OPTIONS,
      onRedisError: 'deny',
      logger: captureLogger(),
    });
    await assert.rejects(limiter.take('k'), { code: 'SY_GW_RATE_LIMIT_UNAVAILABLE', status: 503 });
    await assert.rejects(
      limiter.execute(() => 'ran'),
      { code: 'SY_GW_RATE_LIMIT_UNAVAILABLE' },
    );
  });

  test('sliding window: computes retry and reset from the reply, like the local counter', async () => {
    // limit 5 per 60 s, all 5 used in the current window, which started 0 ms ago.
    const { client, calls } = fakeRedis(() => Promise.resolve(['0', '5', '0', '5', '0']));
    const limiter = redisRateLimiter(client, { rate: '5/m', algorithm: 'sliding-window' });
    const d = await limiter.take('k');
    assert.deepEqual(calls, ['evalsha window']);
    assert.deepEqual(
      { ...d },
      {
        allowed: false,
        remaining: 0,
        retryAfterMs: 72_000,
        resetMs: 120_000,
        limit: 5,
        delayMs: 0,
      },
    );
  });

  test('execute() runs the work when allowed, rejects with SY_RES_RATE_LIMITED when refused', async () => {
    let allowed = '1';
    const { client } = fakeRedis(() => Promise.resolve([allowed, '100', '50', '0']));
    const limiter = redisRateLimiter(client, OPTIONS);
    assert.equal(await limiter.execute(() => 'ran'), 'ran');
    allowed = '0';
    await assert.rejects(
      limiter.execute(() => 'ran'),
      { code: 'SY_RES_RATE_LIMITED' },
    );
  });

  test('bad options and costs are refused', async () => {
    const { client } = fakeRedis(() => Promise.resolve([]));
    assert.throws(() => redisRateLimiter(client, { rate: '1/s', prefx: 'x' } as never), {
      code: 'SY_GW_RATE_LIMIT_INVALID_OPTION',
    });
    assert.throws(() => redisRateLimiter(client, { rate: '1/s', onRedisError: 'maybe' as never }), {
      code: 'SY_GW_RATE_LIMIT_INVALID_OPTION',
    });
    await assert.rejects(redisRateLimiter(client, OPTIONS).take('k', -1), {
      code: 'SY_GW_RATE_LIMIT_INVALID_OPTION',
    });
  });
});

describe('limiterSpec', () => {
  test('default algorithm: leaky bucket when burst/nodelay/delay is given (nginx), else token bucket', () => {
    assert.equal(limiterSpec('x', { rate: '10/s' }).algorithm, 'token-bucket');
    assert.equal(limiterSpec('x', { rate: '10/s', burst: 5 }).algorithm, 'leaky-bucket');
    assert.equal(limiterSpec('x', { rate: '10/s', nodelay: true }).algorithm, 'leaky-bucket');
    assert.equal(limiterSpec('x', { rate: '10/s', delay: 1, burst: 2 }).algorithm, 'leaky-bucket');
  });

  test('numbers the Redis scripts use', () => {
    assert.deepEqual(pick(limiterSpec('x', { rate: '10/s', burst: 4, delay: 1 })), {
      limit: 5,
      intervalMs: 100,
      passMs: 200,
      windowMs: 0,
    });
    assert.deepEqual(pick(limiterSpec('x', { rate: '10/s', burst: 4, nodelay: true })), {
      limit: 5,
      intervalMs: 100,
      passMs: -1,
      windowMs: 0,
    });
    assert.deepEqual(pick(limiterSpec('x', { rate: '100/m', algorithm: 'sliding-window' })), {
      limit: 100,
      intervalMs: 600,
      passMs: -1,
      windowMs: 60_000,
    });
    assert.deepEqual(pick(limiterSpec('x', { rate: { tokens: 3, per: '10s' } })), {
      limit: 1,
      intervalMs: 10_000 / 3,
      passMs: -1,
      windowMs: 0,
    });
  });
});

function pick(s: ReturnType<typeof limiterSpec>) {
  return { limit: s.limit, intervalMs: s.intervalMs, passMs: s.passMs, windowMs: s.windowMs };
}
