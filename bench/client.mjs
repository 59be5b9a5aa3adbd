#!/usr/bin/env node
// Client-side call overhead of switchyard/client's `service.fetch()` over a bare undici
// `Pool.request()` to the same local node:http server, in the same run.
//   node bench/client.mjs            driver: starts the server (pinned to CPU 0 with taskset when
//                                    available) and the measuring process (CPU 1); prints a table
//   node bench/client.mjs --server   child: the node:http server; prints its port
//   node bench/client.mjs --measure URL   child: runs the cases over the network, prints JSON
//   node bench/client.mjs --measure-js    child: the same cases with undici's `Pool.request`
//                                    replaced by an instant answer, so only the SDK's own work
//                                    (policies, balancer, trace ids, response object) is timed
// Method: sequential calls on one keep-alive connection, the cases interleaved call by call
// (order rotated), every call timed on its own; a case's figure is its median call time, and its
// overhead the difference from the bare request's median in the same run (p25 shown too: the
// fast calls, least disturbed by other load on a shared machine). Client CPU is this process's
// user+system time per call.
// Reading it: the second table is the SDK's own cost. On the project's 2-vCPU VM the first one
// shows a larger gap (+12–19 µs at p50 in our runs) than the SDK's CPU work (1–2 µs) explains:
// there, any extra per-call work between round trips — even three span ids generated and thrown
// away beside a bare request (+3–5 µs) — costs several times its CPU time in latency; a bare
// request with an AbortController signal showed +20 µs. Compare runs on quiet hardware.
// Needs `npm run build` first (imports ../dist/client/index.js).
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const CALLS = Number(process.env.CALLS ?? 20_000);
const WARMUP = Number(process.env.WARMUP ?? 5000);
const SELF = fileURLToPath(import.meta.url);
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
let spanCounter = 0;

if (process.argv[2] === '--server') {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end('ok');
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
} else if (process.argv[2] === '--measure') {
  await measure(process.argv[3]);
} else if (process.argv[2] === '--measure-js') {
  await instantDispatcher();
  await measure('http://127.0.0.1:9');
} else {
  await drive();
}

/** Makes every `Pool.request` answer at once with a 2-byte body: no socket, no parser. */
async function instantDispatcher() {
  const { Pool } = await import('undici');
  const body = { text: () => Promise.resolve('ok'), dump: () => Promise.resolve(null) };
  const answer = { statusCode: 200, headers: { 'content-type': 'text/plain' }, body };
  Pool.prototype.request = () => Promise.resolve(answer);
}

async function measure(url) {
  const { Pool } = await import('undici');
  const { registry } = await import('../dist/client/index.js');
  const sy = registry({ address: 'http://127.0.0.1:1', logger: silent() });
  // the same pool settings the SDK uses for each endpoint
  const pool = new Pool(url, {
    connect: { timeout: 1_000 },
    keepAliveTimeout: 4_000,
    headersTimeout: 6_000,
    bodyTimeout: 5_000,
  });
  const minimal = sy.service('bench', {
    endpoints: [url],
    balancer: 'round-robin',
    retries: false,
    outlierDetection: false,
  });
  const standard = sy.service('bench', { endpoints: [url] });
  const full = sy.service('bench', {
    endpoints: [url],
    totalTimeout: '10s',
    circuitBreaker: { failureThreshold: 5 },
    bulkhead: { maxConcurrent: 100 },
  });
  const cases = {
    'bare undici Pool.request()': async () => {
      const res = await pool.request({ path: '/', method: 'GET' });
      await res.body.text();
    },
    '(reference) bare + a traceparent header, new span id per call': async () => {
      const tp = `00-4bf92f3577b34da6a3ce929d0e0e4736-${spanId()}-01`;
      const res = await pool.request({ path: '/', method: 'GET', headers: ['traceparent', tp] });
      await res.body.text();
    },
    'sy fetch, defaults (peak-ewma, 3 tries + budget, outlier detection, traceparent)':
      async () => {
        await (await standard.fetch('/')).text();
      },
    'sy fetch, minimal (round-robin, no retry, no outlier detection)': async () => {
      await (await minimal.fetch('/')).text();
    },
    'sy fetch, + totalTimeout + circuitBreaker + bulkhead': async () => {
      await (await full.fetch('/')).text();
    },
  };
  const names = Object.keys(cases);
  for (const name of names) for (let i = 0; i < WARMUP; i++) await cases[name]();
  // calls interleaved one by one (order rotated), each timed on its own: the machine's drifting
  // load then hits every case alike, and the median ignores the preempted or GC-hit calls
  const samples = Object.fromEntries(names.map((n) => [n, new Float64Array(CALLS)]));
  const cpu = Object.fromEntries(names.map((n) => [n, 0]));
  for (let i = 0; i < CALLS; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + i) % names.length];
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await cases[name]();
      samples[name][i] = Number(process.hrtime.bigint() - t0);
      const c = process.cpuUsage(c0);
      cpu[name] += c.user + c.system;
    }
  }
  const result = {};
  for (const name of names) {
    result[name] = { ...quantiles(samples[name]), cpu: (cpu[name] * 1000) / CALLS };
  }
  await sy.close();
  await pool.close();
  process.stdout.write(JSON.stringify({ names, result }));
}

async function drive() {
  const pin = (cpu, args) =>
    taskset ? ['taskset', ['-c', cpu, ...args]] : [args[0], args.slice(1)];
  let taskset = true;
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
  } catch {
    taskset = false;
  }
  const server = spawn(...pin('0', [process.execPath, SELF, '--server']), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise((resolve, reject) => {
      server.stdout.once('data', (d) => resolve(Number(String(d).trim())));
      server.once('exit', () => reject(new Error('server exited')));
    });
    const out = execFileSync(
      ...pin('1', [process.execPath, SELF, '--measure', `http://127.0.0.1:${port}`]),
      { maxBuffer: 1 << 24 },
    );
    console.log('### Over the network: same server, same run\n');
    report(JSON.parse(String(out)), taskset, CALLS);
    const js = execFileSync(...pin('1', [process.execPath, SELF, '--measure-js']), {
      maxBuffer: 1 << 24,
      env: { ...process.env, CALLS: String(CALLS * 10) },
    });
    console.log('\n### The SDK alone: undici answers at once (no socket)\n');
    report(JSON.parse(String(js)), taskset, CALLS * 10);
  } finally {
    server.kill('SIGKILL');
  }
}

/** A distinct 16-hex span id per call, as the SDK sends (no crypto: a counter is enough here). */
function spanId() {
  const n = spanCounter++;
  return `${HEX[n & 255]}${HEX[(n >> 8) & 255]}${HEX[(n >> 16) & 255]}a1b2c3d4e5`;
}

function quantiles(values) {
  const s = Float64Array.from(values).sort();
  const at = (q) => s[Math.min(s.length - 1, Math.floor(s.length * q))];
  return { p25: at(0.25), p50: at(0.5), p75: at(0.75) };
}

function report({ names, result }, taskset, calls) {
  const bare = result[names[0]];
  const f = (n) => Math.round(n).toLocaleString('en-US');
  console.log(
    `node ${process.version}; ${f(calls)} calls per case, interleaved one by one, sequential, one keep-alive connection` +
      `${taskset ? '; server on CPU 0, client on CPU 1 (taskset)' : ''}\n`,
  );
  console.log(
    '| case | p50 ns/call | overhead at p50, ns | overhead at p25, ns | client CPU ns/call | CPU overhead, ns |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const name of names) {
    const r = result[name];
    if (r === bare) {
      console.log(`| ${name} | ${f(r.p50)} | — | — | ${f(r.cpu)} | — |`);
      continue;
    }
    const cells = [r.p50, r.p50 - bare.p50, r.p25 - bare.p25, r.cpu, r.cpu - bare.cpu];
    console.log(`| ${name} | ${cells.map(f).join(' | ')} |`);
  }
}

function silent() {
  const noop = () => {};
  return { debug: noop, info: noop, warn: noop, error: noop };
}
