import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage } from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { ManualClock, flushMicrotasks } from '../../../resilience/index.js';
import type { PolicyAnswer, PolicyContext } from '../policy.js';
import type { RateLimiter } from '../../../resilience/rate-limiter.js';
import {
  rateLimit,
  rateLimitHeaders,
  type RateLimitOptions,
  type RateLimitPolicy,
} from './rate-limit.js';

/** A request stand-in: headers, and a socket whose `destroyed` a test flips to disconnect. */
function fakeReq(headers: Record<string, string> = {}) {
  const req = Object.assign(new EventEmitter(), {
    headers,
    socket: { destroyed: false },
    complete: true,
    destroyed: false,
  });
  return req;
}

function ctx(
  over: Partial<PolicyContext> & { headers?: Record<string, string> } = {},
): PolicyContext & { req: ReturnType<typeof fakeReq> & IncomingMessage } {
  const { headers, ...rest } = over;
  return {
    req: fakeReq(headers) as ReturnType<typeof fakeReq> & IncomingMessage,
    requestId: 'req-1',
    clientIp: '192.0.2.1',
    upstreamHeaders: [],
    ...rest,
  } as PolicyContext & { req: ReturnType<typeof fakeReq> & IncomingMessage };
}

function limit(options: Omit<RateLimitOptions, 'clock'>, clock = new ManualClock()) {
  return { policy: rateLimit({ ...options, clock }), clock };
}

/** Applies synchronously-answering policies (local limits that do not hold). */
function status(answer: PolicyAnswer | Promise<PolicyAnswer>): number | undefined {
  assert.ok(!(answer instanceof Promise), 'expected an immediate answer');
  return answer?.status;
}

describe('rateLimit (local)', () => {
  test('token bucket by default: rate per second, burst one second of rate, then 429', () => {
    const { policy, clock } = limit({ rate: '10/s' });
    assert.equal(policy.limiter.limit, 10);
    const c = ctx();
    for (let i = 0; i < 10; i++) assert.equal(status(policy.apply(c)), undefined);
    const refused = policy.apply(c) as PolicyAnswer;
    assert.equal(refused?.status, 429);
    assert.deepEqual(refused.body, {
      code: 'SY_GW_RATE_LIMITED',
      message: 'Too many requests; retry after 1 s.',
    });
    assert.deepEqual(refused.headers, {
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '1',
      'Retry-After': '1',
    });
    clock.advance(100); // one token back
    assert.equal(status(policy.apply(c)), undefined);
    assert.equal(status(policy.apply(c)), 429);
  });

  test('Retry-After is whole seconds rounded up, RateLimit-Reset the time to a full bucket', () => {
    const { policy } = limit({ rate: '1/m', algorithm: 'token-bucket', burst: 3 });
    const c = ctx();
    for (let i = 0; i < 3; i++) void policy.apply(c);
    const refused = policy.apply(c) as PolicyAnswer;
    assert.equal(refused?.headers?.['Retry-After'], '60');
    assert.equal(refused?.headers?.['RateLimit-Reset'], '180');
  });

  test('nginx burst without nodelay: excess is held and released at the rate, beyond burst 429', async () => {
    // nginx doc example: rate=10r/s burst=10; 20 requests at once → 11 served at 0..1000 ms.
    const { policy, clock } = limit({ rate: '10r/s', burst: 10 });
    assert.equal(policy.limiter.limit, 11);
    const released: number[] = [];
    const answers = Array.from({ length: 20 }, () => policy.apply(ctx()));
    assert.deepEqual(
      answers.slice(11).map((a) => (a as PolicyAnswer)?.status),
      Array(9).fill(429),
    );
    assert.equal(answers[0], undefined, 'the first passes at once');
    answers.slice(1, 11).forEach((a, i) => {
      assert.ok(a instanceof Promise, `request ${i + 1} is held`);
      void a.then((v) => {
        assert.equal(v, undefined);
        released.push(clock.now());
      });
    });
    for (let t = 0; t < 10; t++) await clock.advanceAsync(100);
    assert.deepEqual(released, [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    assert.equal(clock.pendingTimers, 0);
  });

  test('nodelay: burst passes at once, and its slots free at the rate', () => {
    const { policy, clock } = limit({ rate: '100/s', burst: 200, nodelay: true });
    const c = ctx();
    for (let i = 0; i < 201; i++) assert.equal(status(policy.apply(c)), undefined);
    assert.equal(status(policy.apply(c)), 429);
    clock.advance(10);
    assert.equal(status(policy.apply(c)), undefined);
    assert.equal(status(policy.apply(c)), 429);
  });

  test('delay (two-stage): the first `delay` excess requests pass, the rest are held', () => {
    const { policy } = limit({ rate: '10/s', burst: 10, delay: 5 });
    const answers = Array.from({ length: 12 }, () => policy.apply(ctx()));
    assert.deepEqual(
      answers.map((a) => (a instanceof Promise ? 'held' : (a?.status ?? 'pass'))),
      [...Array(6).fill('pass'), ...Array(5).fill('held'), 429],
    );
  });

  test('a held request whose client disconnects is dropped (499) and its timer cleared', async () => {
    const { policy, clock } = limit({ rate: '1/s', burst: 5 });
    void policy.apply(ctx());
    const c = ctx();
    const held = policy.apply(c);
    assert.ok(held instanceof Promise);
    assert.equal(clock.pendingTimers, 1);
    c.req.socket.destroyed = true;
    c.req.emit('close');
    const answer = await held;
    assert.equal(answer?.status, 499);
    assert.equal(answer.body.code, 'SY_GW_RATE_LIMIT_CANCELLED');
    assert.equal(clock.pendingTimers, 0);
    // Already gone before the hold starts: answered at once, no timer.
    const d = ctx();
    d.req.socket.destroyed = true;
    assert.equal((await policy.apply(d))?.status, 499);
    assert.equal(clock.pendingTimers, 0);
  });

  test(
    'real connections: an HTTP/1.1 or HTTP/2 client that goes away while held ends the hold',
    { timeout: 10_000 },
    async () => {
      for (const kind of ['http1', 'http2'] as const) {
        // Real timers: the hold is 1 h, so only the disconnect can end it; the test waits on events.
        const policy = rateLimit({ rate: '1/h', burst: 1, key: 'header:x-k' });
        const answers: (PolicyAnswer | 'pending')[] = [];
        const held = new EventEmitter();
        const onRequest = (req: IncomingMessage, res: { end(): void }) => {
          const c: PolicyContext = {
            req,
            requestId: 'r',
            clientIp: '127.0.0.1',
            upstreamHeaders: [],
          };
          const a = policy.apply(c);
          if (!(a instanceof Promise)) return void (answers.push(a), res.end());
          answers.push('pending');
          held.emit('held');
          void a.then((v) => {
            answers[answers.length - 1] = v;
            held.emit('done');
            res.end();
          });
        };
        const server =
          kind === 'http1'
            ? createServer(onRequest)
            : http2.createServer(onRequest as unknown as Parameters<typeof http2.createServer>[0]);
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
        const port = (server.address() as AddressInfo).port;
        try {
          if (kind === 'http1') {
            const first = request({ port, headers: { 'x-k': kind } }).end();
            await once(first, 'response');
            const second = request({ port, headers: { 'x-k': kind } }).end();
            second.on('error', () => {});
            await once(held, 'held');
            second.destroy();
          } else {
            const session = http2.connect(`http://127.0.0.1:${port}`);
            session.on('error', () => {});
            const first = session.request({ 'x-k': kind }).end();
            await once(first, 'response');
            const second = session.request({ 'x-k': kind }).end();
            second.on('error', () => {});
            await once(held, 'held');
            second.close(http2.constants.NGHTTP2_CANCEL);
            await once(held, 'done');
            session.close();
          }
          if (answers[1] === 'pending') await once(held, 'done');
          assert.equal(answers[0], undefined);
          assert.equal((answers[1] as PolicyAnswer)?.status, 499, kind);
        } finally {
          server.close();
        }
      }
    },
  );

  test("'close' after a fully read body (socket alive) does not cancel the hold", async () => {
    const { policy, clock } = limit({ rate: '1/s', burst: 5 });
    void policy.apply(ctx());
    const c = ctx();
    const held = policy.apply(c) as Promise<PolicyAnswer>;
    c.req.emit('close');
    let settled = false;
    void held.then(() => (settled = true));
    await flushMicrotasks();
    assert.equal(settled, false);
    await clock.advanceAsync(1000);
    assert.equal(await held, undefined);
  });

  test('sliding window: rate reads as limit per window', () => {
    const { policy, clock } = limit({ rate: '5/m', algorithm: 'sliding-window' });
    const c = ctx();
    for (let i = 0; i < 5; i++) assert.equal(status(policy.apply(c)), undefined);
    const refused = policy.apply(c) as PolicyAnswer;
    assert.equal(refused?.status, 429);
    // The counter treats the full window as spread evenly: in the next window its weight must
    // fall to 4/5 first, 120 s − 60 s × 4/5 = 72 s (the exact log would say 60 s).
    assert.equal(refused.headers?.['Retry-After'], '72');
    clock.advance(72_000);
    assert.equal(status(policy.apply(c)), undefined);
    assert.equal(status(policy.apply(c)), 429);
    clock.advance(120_000);
    assert.equal(status(policy.apply(c)), undefined);
  });

  test('keys: ip, consumer, header, claim; a request without a value shares the anonymous bucket', () => {
    const byIp = limit({ rate: '1/h', burst: 1, algorithm: 'token-bucket' }).policy;
    assert.equal(status(byIp.apply(ctx({ clientIp: '192.0.2.1' }))), undefined);
    assert.equal(status(byIp.apply(ctx({ clientIp: '192.0.2.1' }))), 429);
    assert.equal(status(byIp.apply(ctx({ clientIp: '192.0.2.2' }))), undefined);

    const byHeader = limit({
      rate: '1/h',
      burst: 1,
      algorithm: 'token-bucket',
      key: 'header:X-API-Key',
    }).policy;
    assert.equal(status(byHeader.apply(ctx({ headers: { 'x-api-key': 'a' } }))), undefined);
    assert.equal(status(byHeader.apply(ctx({ headers: { 'x-api-key': 'b' } }))), undefined);
    assert.equal(status(byHeader.apply(ctx({ headers: { 'x-api-key': 'a' } }))), 429);
    assert.equal(status(byHeader.apply(ctx())), undefined, 'anonymous bucket, first use');
    assert.equal(status(byHeader.apply(ctx())), 429, 'every keyless request shares it');
    assert.equal(size(byHeader), 2, 'the anonymous bucket is not a tracked key');

    const byConsumer = limit({
      rate: '1/h',
      burst: 1,
      algorithm: 'token-bucket',
      key: 'consumer',
    }).policy;
    assert.equal(
      status(byConsumer.apply(ctx({ consumer: 'partner-a', clientIp: '1' }))),
      undefined,
    );
    assert.equal(status(byConsumer.apply(ctx({ consumer: 'partner-a', clientIp: '2' }))), 429);

    const byClaim = limit({
      rate: '1/h',
      burst: 1,
      algorithm: 'token-bucket',
      key: 'claim:sub',
    }).policy;
    assert.equal(status(byClaim.apply(ctx({ claims: { sub: 'u1' } }))), undefined);
    assert.equal(status(byClaim.apply(ctx({ claims: { sub: 'u2' } }))), undefined);
    assert.equal(status(byClaim.apply(ctx({ claims: { sub: 'u1' } }))), 429);
  });

  test('memory stays bounded: 100 000 distinct keys keep at most maxKeys buckets', () => {
    const { policy } = limit({ rate: '1/h', burst: 1, algorithm: 'token-bucket' });
    const c = ctx();
    const mutable = c as { clientIp: string };
    for (let i = 0; i < 100_000; i++) {
      mutable.clientIp = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      void policy.apply(c);
    }
    assert.ok(size(policy) <= 10_000, `tracked ${size(policy)}`);
    const small = limit({ rate: '1/h', burst: 1, maxKeys: 100 }).policy;
    for (let i = 0; i < 100_000; i++) {
      mutable.clientIp = `k${i}`;
      void small.apply(c);
    }
    assert.ok(size(small) <= 100);
  });

  test('onDecision sees every admitting decision; rateLimitHeaders renders it', () => {
    const seen: string[] = [];
    const policy = rateLimit({
      rate: '2/s',
      clock: new ManualClock(),
      onDecision: (_ctx, d) => seen.push(JSON.stringify(rateLimitHeaders(d))),
    });
    void policy.apply(ctx());
    void policy.apply(ctx());
    void policy.apply(ctx());
    assert.deepEqual(seen, [
      '{"RateLimit-Limit":"2","RateLimit-Remaining":"1","RateLimit-Reset":"1"}',
      '{"RateLimit-Limit":"2","RateLimit-Remaining":"0","RateLimit-Reset":"1"}',
    ]);
  });

  test('bad options throw SY_GW_RATE_LIMIT_INVALID_OPTION naming the option', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ rate: '10/s', brust: 5 }, 'rateLimit.brust'],
      [{ rate: 'fast' }, 'rateLimit.rate'],
      [{ rate: '10/s', algorithm: 'token-bucket', nodelay: true }, 'rateLimit.nodelay'],
      [{ rate: '10/s', algorithm: 'sliding-window', burst: 5 }, 'rateLimit.burst'],
      [{ rate: '10/s', burst: -1 }, 'rateLimit.burst'],
      [{ rate: '10/s', burst: 5, nodelay: true, delay: 2 }, 'rateLimit.delay'],
      [{ rate: '10/s', algorithm: 'fixed-window' }, 'rateLimit.algorithm'],
      [{ rate: '10/s', key: 'cookie:sid' }, 'rateLimit.key'],
      [{ rate: '10/s', key: 'header:' }, 'rateLimit.key'],
      [{ rate: '10/s', scope: 'cluster' }, 'rateLimit.redis'],
      [{ rate: '10/s', scope: 'global' }, 'rateLimit.scope'],
      [{ rate: '10/s', onRedisError: 'deny' }, 'rateLimit.onRedisError'],
      [{ rate: '10/s', maxKeys: 0 }, 'rateLimit.maxKeys'],
      [{ rate: '2.5/s', algorithm: 'sliding-window' }, 'rateLimit.rate'],
    ];
    for (const [options, option] of bad) {
      assert.throws(
        () => rateLimit(options as unknown as RateLimitOptions),
        (e: { code?: string; details?: { option?: string } }) =>
          e.code === 'SY_GW_RATE_LIMIT_INVALID_OPTION' && e.details?.option === option,
        JSON.stringify(options),
      );
    }
  });
});

/** Keys a local policy tracks. */
function size(policy: RateLimitPolicy): number {
  return (policy.limiter as RateLimiter).size;
}
