#!/usr/bin/env node
// Route lookup cost of the gateway's trie router beside find-my-way 9 (fastify's router), at 10,
// 100 and 1,000 routes. The goal is a flat cost from 10 to 1,000 routes.
//   node bench/router.mjs                 driver: ROUNDS rounds, each a fresh child process per
//                                         (router, size), interleaved, pinned with
//                                         `taskset -c $SUT_CPU` when set; prints the median over
//                                         rounds as a markdown table
//   node bench/router.mjs --child R N     child: warm up, then SAMPLES timed samples per case,
//                                         prints JSON { case: median ns per lookup }
// Needs the build (`npx tsc -p tsconfig.build.json`). Each service i contributes four routes:
//   exact /api/svc<i>/items · pattern /api/svc<i>/items/:id · exact /api/svc<i>/health (GET)
//   · prefix /api/svc<i> (find-my-way: /api/svc<i>/*, its nearest equivalent)
// The request stream is the same at every size (64 paths over services 0 and 1, the two a
// 10-route table has), so the table size is the only thing that changes between columns.
// (Spreading requests over more services costs both routers ~20 ns more per lookup at any size:
// branch prediction and caches see more distinct inputs.)
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WARMUP_MS = Number(process.env.WARMUP_MS ?? 200);
const SAMPLE_MS = Number(process.env.SAMPLE_MS ?? 100);
const SAMPLES = Number(process.env.SAMPLES ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SIZES = [10, 100, 1000];
const ROUTERS = ['switchyard', 'find-my-way'];
const CASES = ['static-hit', 'param-hit', 'prefix-fallback', 'miss'];
const SELF = fileURLToPath(import.meta.url);

function services(size) {
  return Math.max(1, Math.floor(size / 4));
}

/** Request paths per case, each with the route id it must reach. */
function requests(size) {
  const n = Math.min(services(size), 2);
  const out = Object.fromEntries(CASES.map((c) => [c, []]));
  // flat one-byte strings, as the HTTP parser hands over (a template literal makes a rope)
  const flat = (s) => Buffer.from(s, 'latin1').toString('latin1');
  for (let k = 0; k < 64; k++) {
    const i = k % n;
    out['static-hit'].push([flat(`/api/svc${i}/items`), `items${i}`]);
    out['param-hit'].push([flat(`/api/svc${i}/items/${1000 + k}`), `item${i}`]);
    out['prefix-fallback'].push([flat(`/api/svc${i}/reports/2024/q${k % 4}`), `svc${i}`]);
    out.miss.push([flat(`/nope/svc${i}/items`), undefined]);
  }
  return out;
}

async function makeSwitchyard(size) {
  const { createRouter } = await import('../dist/gateway/router/index.js');
  const routes = [];
  const add = (id, path, type, methods = []) =>
    routes.push({ id, match: { path, type, hosts: [], methods, headers: [] }, data: id });
  for (let i = 0; i < services(size); i++) {
    add(`items${i}`, `/api/svc${i}/items`, 'exact');
    add(`item${i}`, `/api/svc${i}/items/:id`, 'pattern');
    add(`health${i}`, `/api/svc${i}/health`, 'exact', ['GET']);
    add(`svc${i}`, `/api/svc${i}`, 'prefix');
  }
  const router = createRouter(routes);
  const headers = { host: 'example.com' };
  return {
    lookup: (path) => router.find('GET', 'example.com', path, headers),
    idOf: (m) => m?.data,
  };
}

async function makeFindMyWay(size) {
  const { default: FindMyWay } = await import('find-my-way');
  const router = FindMyWay();
  const handlers = new Map();
  const add = (id, path) => {
    const handler = () => id;
    handlers.set(handler, id);
    router.on('GET', path, handler);
  };
  for (let i = 0; i < services(size); i++) {
    add(`items${i}`, `/api/svc${i}/items`);
    add(`item${i}`, `/api/svc${i}/items/:id`);
    add(`health${i}`, `/api/svc${i}/health`);
    add(`svc${i}`, `/api/svc${i}/*`);
  }
  return {
    lookup: (path) => router.find('GET', path),
    idOf: (m) => (m ? handlers.get(m.handler) : undefined),
  };
}

/** This process's CPU time in ms: unlike wall time, it does not count time other processes ran. */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU ns per lookup over about `ms` of back-to-back lookups cycling through `paths`. */
function sample(lookup, paths, ms) {
  const n = paths.length;
  let sink = 0;
  let ops = 0;
  const start = cpuMs();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 10_000; k++) {
      if (lookup(paths[k % n]) !== undefined) sink++;
    }
    ops += 10_000;
    now = cpuMs();
  }
  if (sink < 0) console.error(sink);
  return ((now - start) * 1e6) / ops;
}

async function child(name, size) {
  const impl = name === 'switchyard' ? await makeSwitchyard(size) : await makeFindMyWay(size);
  const reqs = requests(size);
  const paths = {};
  for (const c of CASES) {
    for (const [path, want] of reqs[c]) {
      const got = impl.idOf(impl.lookup(path));
      if (got !== want) throw new Error(`${name} ${size} ${c}: ${path} → ${got}, want ${want}`);
    }
    paths[c] = reqs[c].map(([p]) => p);
  }
  // warm every case up first, then interleave the samples so a noisy moment hits all cases
  for (const c of CASES) sample(impl.lookup, paths[c], WARMUP_MS);
  const samples = Object.fromEntries(CASES.map((c) => [c, []]));
  for (let k = 0; k < SAMPLES; k++) {
    for (const c of CASES) samples[c].push(sample(impl.lookup, paths[c], SAMPLE_MS));
  }
  const result = Object.fromEntries(CASES.map((c) => [c, median(samples[c])]));
  process.stdout.write(JSON.stringify(result));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function driver() {
  const cpu = process.env.SUT_CPU;
  const runs = {}; // `${router}/${size}` → one result object per round
  for (let round = 0; round < ROUNDS; round++) {
    for (const size of SIZES) {
      for (const name of ROUTERS) {
        const args = [SELF, '--child', name, String(size)];
        const out = cpu
          ? execFileSync('taskset', ['-c', cpu, process.execPath, ...args], { encoding: 'utf8' })
          : execFileSync(process.execPath, args, { encoding: 'utf8' });
        (runs[`${name}/${size}`] ??= []).push(JSON.parse(out));
      }
    }
  }
  const cell = (name, size, c) => median(runs[`${name}/${size}`].map((r) => r[c])).toFixed(0);
  console.log(
    `Median CPU ns per lookup over ${ROUNDS} rounds (each the median of ${SAMPLES} × ` +
      `${SAMPLE_MS} ms samples after ${WARMUP_MS} ms warm-up, fresh process per router and size)\n`,
  );
  console.log('| case | switchyard 10 | 100 | 1,000 | find-my-way 10 | 100 | 1,000 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const c of CASES) {
    const row = ROUTERS.flatMap((name) => SIZES.map((size) => cell(name, size, c)));
    console.log(`| ${c} | ${row.join(' | ')} |`);
  }
  console.log(
    '\nfind-my-way has no prefix routes: its prefix-fallback row uses `/api/svc<i>/*`. ' +
      'switchyard also checks host/method/header matchers and returns matchedPath.',
  );
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') await child(argv[1], Number(argv[2]));
else driver();
