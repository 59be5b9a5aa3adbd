#!/usr/bin/env node
// ns per pick of each load balancer (dist/core/upstream/balancers) at 3, 10 and 100 endpoints,
// plus the outlier detector's per-request `success()`.
//   node bench/balancers.mjs [KIND...]     driver: ROUNDS rounds, each case in a fresh process
//                                          (pinned with `taskset -c $SUT_CPU` when available),
//                                          cases interleaved; prints a markdown table
//   node bench/balancers.mjs --case KIND N child: warm up, then SAMPLES samples; prints JSON
// Endpoints carry weights 1..3, in-flight counts 0..3 and latency estimates, so weighted and
// load-aware paths are the ones measured. consistent-hash hashes a 9–10 character key per pick.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WARMUP_MS = Number(process.env.WARMUP_MS ?? 400);
const SAMPLE_MS = Number(process.env.SAMPLE_MS ?? 100);
const SAMPLES = Number(process.env.SAMPLES ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SIZES = [3, 10, 100];
const SELF = fileURLToPath(import.meta.url);

const KINDS = [
  'array index (baseline)',
  'round-robin',
  'weighted',
  'random',
  'least-request',
  'consistent-hash',
  'peak-ewma',
  'outlier success()',
];

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function make(kind, n) {
  const lb = await import('../dist/core/upstream/balancers/index.js');
  const endpoints = Array.from({ length: n }, (_, i) => {
    const ep = new lb.Endpoint({
      id: `10.0.${i >> 8}.${i & 255}:8080`,
      url: `http://10.0.${i >> 8}.${i & 255}:8080`,
      weight: 1 + (i % 3),
    });
    ep.inflight = i % 4;
    lb.requestFinished(ep, 2 + (i % 7), 1_000);
    return ep;
  });
  const keys = Array.from({ length: 1024 }, (_, i) => `user-${i * 7919}`);
  if (kind === 'array index (baseline)') {
    let i = 0;
    return () => endpoints[i++ % n];
  }
  if (kind === 'outlier success()') {
    const { OutlierDetector } = await import('../dist/core/upstream/outlier-detector.js');
    const detector = new OutlierDetector();
    detector.setEndpoints(endpoints);
    let i = 0;
    return () => {
      const ep = endpoints[i++ % n];
      detector.success(ep);
      return ep;
    };
  }
  const balancer = lb.createBalancer(kind);
  balancer.update(endpoints);
  if (kind === 'consistent-hash') {
    let i = 0;
    return () => balancer.pick(keys[i++ & 1023]);
  }
  return () => balancer.pick();
}

async function child(kind, n) {
  const call = await make(kind, n);
  let sink = 0;
  const loop = (count) => {
    for (let i = 0; i < count; i++) sink += call().port;
  };
  let count = 1000;
  let done = 0;
  const w0 = performance.now();
  while (performance.now() - w0 < WARMUP_MS) {
    loop(count);
    done += count;
    count = Math.min(count * 2, 1 << 20);
  }
  const N = Math.max(1000, Math.round((done / (performance.now() - w0)) * SAMPLE_MS));
  const samples = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = process.hrtime.bigint();
    loop(N);
    samples.push(Number(process.hrtime.bigint() - t0) / N);
  }
  if (sink === 0) throw new Error(`${kind}: no endpoint picked`);
  process.stdout.write(JSON.stringify({ kind, n, ns: median(samples) }) + '\n');
}

function driver() {
  const kinds = process.argv.slice(2).length ? process.argv.slice(2) : KINDS;
  for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`unknown case ${k}`);
  const cpu = process.env.SUT_CPU ?? '1';
  let taskset = true;
  try {
    execFileSync('taskset', ['-c', cpu, 'true']);
  } catch {
    taskset = false;
  }
  const results = new Map();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of kinds) {
      for (const n of SIZES) {
        const args = [process.execPath, SELF, '--case', kind, String(n)];
        const out = taskset
          ? execFileSync('taskset', ['-c', cpu, ...args])
          : execFileSync(args[0], args.slice(1));
        const j = JSON.parse(String(out).trim().split('\n').pop());
        const key = `${kind}|${n}`;
        results.set(key, [...(results.get(key) ?? []), j.ns]);
        process.stderr.write(`round ${round} ${kind} n=${n}: ${j.ns.toFixed(1)} ns\n`);
      }
    }
  }
  console.log(
    `node ${process.version}; ${ROUNDS} rounds × ${SAMPLES} samples of ~${SAMPLE_MS} ms, fresh process per case per round${taskset ? `, taskset -c ${cpu}` : ''}\n`,
  );
  console.log(`| balancer | ${SIZES.map((n) => `${n} endpoints, ns/pick`).join(' | ')} |`);
  console.log(`|---|${SIZES.map(() => '---').join('|')}|`);
  for (const kind of kinds) {
    const cells = SIZES.map((n) => median(results.get(`${kind}|${n}`)).toFixed(1));
    console.log(`| ${kind} | ${cells.join(' | ')} |`);
  }
}

if (process.argv[2] === '--case') await child(process.argv[3], Number(process.argv[4]));
else driver();
