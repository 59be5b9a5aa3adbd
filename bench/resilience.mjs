#!/usr/bin/env node
// Per-call overhead of switchyard/resilience beside cockatiel 3.2, opossum 9 and `limiter` 4,
// measured in the same run (method of ../shared/bench/cb-bench.js).
//   node bench/resilience.mjs [CASE...]   driver: ROUNDS rounds, each case in a fresh process
//                                         (pinned with `taskset -c $SUT_CPU` when available),
//                                         cases interleaved; prints a markdown table
//   node bench/resilience.mjs --case NAME child: warm up, then SAMPLES samples; prints JSON
//   node bench/resilience.mjs --heap      heap after 10^6 calls through each policy (--expose-gc)
// The wrapped work is `async () => 1`, awaited in a plain sequential loop; limiters are sync.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 800);
const SAMPLE_MS = Number(process.env.SAMPLE_MS ?? 150);
const SAMPLES = Number(process.env.SAMPLES ?? 7);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SELF = fileURLToPath(import.meta.url);

const sy = () => import('../dist/resilience/index.js');
const cockatiel = () => require('cockatiel');
const fn = async () => 1;
const BIG = 1e12;

/** name → { peer?: the case it is compared with, make(): { async, call, done? } } */
const CASES = {
  'bare-await': { make: async () => ({ async: true, call: fn }) },
  'bare-sync': { make: async () => ({ async: false, call: () => 1 }) },
  'bare+setTimeout/clearTimeout': {
    make: async () => ({
      async: true,
      call: async () => {
        const t = setTimeout(() => {}, 10_000);
        try {
          return await fn();
        } finally {
          clearTimeout(t);
        }
      },
    }),
  },

  // ---- circuit breakers (CLOSED, happy path) ----
  'switchyard breaker (consecutive 5)': {
    peer: 'cockatiel breaker (consecutive 5)',
    make: async () => {
      const b = (await sy()).circuitBreaker({ failureThreshold: 5, cooldown: 10_000 });
      return { async: true, call: () => b.execute(fn) };
    },
  },
  'cockatiel breaker (consecutive 5)': {
    make: async () => {
      const { circuitBreaker, handleAll, ConsecutiveBreaker } = cockatiel();
      const p = circuitBreaker(handleAll, {
        halfOpenAfter: 10_000,
        breaker: new ConsecutiveBreaker(5),
      });
      return { async: true, call: () => p.execute(fn) };
    },
  },
  'opossum breaker (timeout off)': {
    make: async () => {
      const CircuitBreaker = require('opossum');
      const b = new CircuitBreaker(fn, { timeout: false });
      return { async: true, call: () => b.fire(), done: () => b.shutdown() };
    },
  },
  'opossum breaker (defaults)': {
    make: async () => {
      const CircuitBreaker = require('opossum');
      const b = new CircuitBreaker(fn);
      return { async: true, call: () => b.fire(), done: () => b.shutdown() };
    },
  },
  'switchyard breaker (count window 100)': {
    peer: 'cockatiel breaker (count 100)',
    make: async () => {
      const b = (await sy()).circuitBreaker({
        window: { type: 'count', size: 100, minimumCalls: 100, failureRateThreshold: 0.5 },
        cooldown: 10_000,
      });
      return { async: true, call: () => b.execute(fn) };
    },
  },
  'cockatiel breaker (count 100)': {
    make: async () => {
      const { circuitBreaker, handleAll, CountBreaker } = cockatiel();
      const p = circuitBreaker(handleAll, {
        halfOpenAfter: 10_000,
        breaker: new CountBreaker({ threshold: 0.5, size: 100 }),
      });
      return { async: true, call: () => p.execute(fn) };
    },
  },
  'switchyard breaker (time window 10s)': {
    peer: 'cockatiel breaker (sampling 10s)',
    make: async () => {
      const b = (await sy()).circuitBreaker({
        window: { type: 'time', duration: 10_000, minimumCalls: 5, failureRateThreshold: 0.5 },
        cooldown: 10_000,
      });
      return { async: true, call: () => b.execute(fn) };
    },
  },
  'cockatiel breaker (sampling 10s)': {
    make: async () => {
      const { circuitBreaker, handleAll, SamplingBreaker } = cockatiel();
      const p = circuitBreaker(handleAll, {
        halfOpenAfter: 10_000,
        breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000, minimumRps: 5 }),
      });
      return { async: true, call: () => p.execute(fn) };
    },
  },

  // ---- retry, bulkhead, fallback ----
  'switchyard retry (3 attempts)': {
    peer: 'cockatiel retry (3 attempts)',
    make: async () => {
      const r = (await sy()).retry({ maxAttempts: 3 });
      return { async: true, call: () => r.execute(fn) };
    },
  },
  'cockatiel retry (3 attempts)': {
    make: async () => {
      const { retry, handleAll, ExponentialBackoff } = cockatiel();
      const p = retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() });
      return { async: true, call: () => p.execute(fn) };
    },
  },
  'switchyard bulkhead (100)': {
    peer: 'cockatiel bulkhead (100)',
    make: async () => {
      const b = (await sy()).bulkhead({ maxConcurrent: 100 });
      return { async: true, call: () => b.execute(fn) };
    },
  },
  'cockatiel bulkhead (100)': {
    make: async () => {
      const p = cockatiel().bulkhead(100);
      return { async: true, call: () => p.execute(fn) };
    },
  },
  'switchyard fallback': {
    peer: 'cockatiel fallback',
    make: async () => {
      const f = (await sy()).fallback(0);
      return { async: true, call: () => f.execute(fn) };
    },
  },
  'cockatiel fallback': {
    make: async () => {
      const { fallback, handleAll } = cockatiel();
      const p = fallback(handleAll, 0);
      return { async: true, call: () => p.execute(fn) };
    },
  },

  // ---- timeouts (the work takes no signal) ----
  'switchyard timeout (cooperative 10s)': {
    peer: 'cockatiel timeout (cooperative 10s)',
    make: async () => {
      const t = (await sy()).timeout(10_000);
      return { async: true, call: () => t.execute(fn) };
    },
  },
  'switchyard timeout (aggressive 10s)': {
    peer: 'cockatiel timeout (aggressive 10s)',
    make: async () => {
      const t = (await sy()).timeout(10_000, 'aggressive');
      return { async: true, call: () => t.execute(fn) };
    },
  },
  'cockatiel timeout (cooperative 10s)': {
    make: async () => {
      const { timeout, TimeoutStrategy } = cockatiel();
      const p = timeout(10_000, TimeoutStrategy.Cooperative);
      return { async: true, call: () => p.execute(fn) };
    },
  },
  'cockatiel timeout (aggressive 10s)': {
    make: async () => {
      const { timeout, TimeoutStrategy } = cockatiel();
      const p = timeout(10_000, TimeoutStrategy.Aggressive);
      return { async: true, call: () => p.execute(fn) };
    },
  },

  // ---- a 4-policy pipeline: timeout → retry → breaker → bulkhead ----
  'switchyard pipeline (4 policies)': {
    peer: 'cockatiel pipeline (4 policies)',
    make: async () => {
      const r = await sy();
      const p = r.wrap(
        r.timeout(10_000),
        r.retry({ maxAttempts: 3 }),
        r.circuitBreaker({ failureThreshold: 5, cooldown: 10_000 }),
        r.bulkhead({ maxConcurrent: 100 }),
      );
      return { async: true, call: () => p.execute(fn) };
    },
  },
  'cockatiel pipeline (4 policies)': {
    make: async () => {
      const c = cockatiel();
      const p = c.wrap(
        c.timeout(10_000, c.TimeoutStrategy.Cooperative),
        c.retry(c.handleAll, { maxAttempts: 2, backoff: new c.ExponentialBackoff() }),
        c.circuitBreaker(c.handleAll, {
          halfOpenAfter: 10_000,
          breaker: new c.ConsecutiveBreaker(5),
        }),
        c.bulkhead(100),
      );
      return { async: true, call: () => p.execute(fn) };
    },
  },

  // ---- rate-limiter decisions (sync, never exhausted) ----
  'switchyard tokenBucket.take()': {
    peer: 'limiter TokenBucket.tryRemoveTokens()',
    make: async () => {
      const tb = (await sy()).tokenBucket({ rate: BIG, burst: BIG });
      return { async: false, call: () => tb.take().allowed };
    },
  },
  'switchyard tokenBucket.take(key)': {
    peer: 'limiter TokenBucket.tryRemoveTokens()',
    make: async () => {
      const tb = (await sy()).tokenBucket({ rate: BIG, burst: BIG });
      return { async: false, call: () => tb.take('client-1').allowed };
    },
  },
  'switchyard leakyBucket.take() (nodelay)': {
    peer: 'limiter TokenBucket.tryRemoveTokens()',
    make: async () => {
      const lb = (await sy()).leakyBucket({ rate: BIG, burst: BIG, nodelay: true });
      return { async: false, call: () => lb.take().allowed };
    },
  },
  'switchyard slidingWindow.take() (counter)': {
    peer: 'limiter TokenBucket.tryRemoveTokens()',
    make: async () => {
      const sw = (await sy()).slidingWindow({ limit: BIG, window: 60_000 });
      return { async: false, call: () => sw.take().allowed };
    },
  },
  'limiter TokenBucket.tryRemoveTokens()': {
    make: async () => {
      const { TokenBucket } = require('limiter');
      const tb = new TokenBucket({ bucketSize: BIG, tokensPerInterval: BIG, interval: 'second' });
      tb.content = tb.bucketSize;
      return { async: false, call: () => tb.tryRemoveTokens(1) };
    },
  },
};

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function child(name) {
  const c = await CASES[name].make();
  const call = c.call;
  let sink = 0;
  const loopAsync = async (n) => {
    for (let i = 0; i < n; i++) sink += (await call()) ? 1 : 0;
  };
  const loopSync = (n) => {
    for (let i = 0; i < n; i++) sink += call() ? 1 : 0;
  };
  const loop = c.async ? loopAsync : loopSync;
  let n = 1000;
  let done = 0;
  const w0 = performance.now();
  while (performance.now() - w0 < WARMUP_MS) {
    await loop(n);
    done += n;
    n = Math.min(n * 2, 1 << 20);
  }
  const N = Math.max(1000, Math.round((done / (performance.now() - w0)) * SAMPLE_MS));
  const samples = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = process.hrtime.bigint();
    await loop(N);
    samples.push(Number(process.hrtime.bigint() - t0) / N);
  }
  c.done?.();
  if (sink === 0) throw new Error(`${name}: every call was refused`);
  process.stdout.write(JSON.stringify({ case: name, async: c.async, ns: median(samples) }) + '\n');
}

async function heap() {
  const r = await sy();
  const policies = {
    'breaker (consecutive)': r.circuitBreaker({ failureThreshold: 5 }),
    'breaker (time window)': r.circuitBreaker({ window: { type: 'time', duration: 10_000 } }),
    retry: r.retry({ maxAttempts: 3 }),
    bulkhead: r.bulkhead({ maxConcurrent: 10 }),
    'timeout (cooperative)': r.timeout(10_000),
    'pipeline (4 policies)': r.wrap(
      r.timeout(10_000),
      r.retry({ maxAttempts: 3 }),
      r.circuitBreaker({ failureThreshold: 5 }),
      r.bulkhead({ maxConcurrent: 100 }),
    ),
  };
  console.log(
    '| policy | heap before (MB) | after 10^6 calls (MB) | growth (KB) |\n|---|---|---|---|',
  );
  for (const [name, p] of Object.entries(policies)) {
    for (let i = 0; i < 10_000; i++) await p.execute(fn);
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1_000_000; i++) await p.execute(fn);
    globalThis.gc();
    const after = process.memoryUsage().heapUsed;
    const mb = (b) => (b / 1048576).toFixed(2);
    console.log(
      `| ${name} | ${mb(before)} | ${mb(after)} | ${((after - before) / 1024).toFixed(0)} |`,
    );
  }
  // keyed limiters: 10^6 distinct keys must not grow memory past maxKeys (default 10 000)
  const limiters = {
    'tokenBucket, 10^6 distinct keys': r.tokenBucket({ rate: 10, burst: 10 }),
    'slidingWindow, 10^6 distinct keys': r.slidingWindow({ limit: 10, window: 1000 }),
  };
  for (const [name, limiter] of Object.entries(limiters)) {
    for (let i = 0; i < 20_000; i++) limiter.take(`warm-${i}`);
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1_000_000; i++) limiter.take(`client-${i}`);
    globalThis.gc();
    const after = process.memoryUsage().heapUsed;
    const mb = (b) => (b / 1048576).toFixed(2);
    const growth = ((after - before) / 1024).toFixed(0);
    console.log(
      `| ${name} (keys kept: ${limiter.size}) | ${mb(before)} | ${mb(after)} | ${growth} |`,
    );
  }
}

function driver() {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(CASES);
  for (const n of names) if (!CASES[n]) throw new Error(`unknown case ${n}`);
  const cpu = process.env.SUT_CPU ?? '1';
  let taskset = true;
  try {
    execFileSync('taskset', ['-c', cpu, 'true']);
  } catch {
    taskset = false;
  }
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of names) {
      const args = [process.execPath, SELF, '--case', name];
      const out = taskset
        ? execFileSync('taskset', ['-c', cpu, ...args])
        : execFileSync(args[0], args.slice(1));
      const j = JSON.parse(String(out).trim().split('\n').pop());
      results[name].push(j);
      process.stderr.write(`round ${round} ${name}: ${j.ns.toFixed(1)} ns/call\n`);
    }
  }
  const ns = (n) => median(results[n].map((j) => j.ns));
  const bareAsync = results['bare-await'] ? ns('bare-await') : NaN;
  const bareSync = results['bare-sync'] ? ns('bare-sync') : NaN;
  const over = (n) => ns(n) - (results[n][0].async ? bareAsync : bareSync);
  console.log(
    `node ${process.version}; ${ROUNDS} rounds × ${SAMPLES} samples of ~${SAMPLE_MS} ms, fresh process per case per round${taskset ? `, taskset -c ${cpu}` : ''}\n`,
  );
  console.log(
    '| case | ns/call (median) | overhead over bare, ns | peer in the same run | peer overhead, ns |',
  );
  console.log('|---|---|---|---|---|');
  for (const n of names) {
    const peer = CASES[n].peer;
    const peerCols = peer && results[peer] ? `${peer} | ${over(peer).toFixed(0)}` : ' | ';
    console.log(`| ${n} | ${ns(n).toFixed(1)} | ${over(n).toFixed(0)} | ${peerCols} |`);
  }
}

if (process.argv[2] === '--case') await child(process.argv[3]);
else if (process.argv[2] === '--heap') await heap();
else driver();
