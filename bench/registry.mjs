#!/usr/bin/env node
// The Switchyard registry (a real `switchyard registry` process, SQLite store) beside etcd 3.4
// doing the equivalent, in the same run: register, TTL heartbeats, health queries at 100k
// instances, RSS, 1,000 blocking watchers. Servers pinned to $SUT_CPU, load children (a fresh
// process per phase) to $LOAD_CPU; every phase bounded in time and count; markdown on stdout,
// progress on stderr. Knobs (env): INSTANCES SERVICES BIG WATCHERS OTHER_WATCHERS WATCH_ROUNDS
// PHASE_MS WARMUP_MS ROUNDS FILL_CAP_MS TTL LEASES SETTLE_MS SUT_CPU LOAD_CPU ETCD=0
// ETCD3_DIR (a node_modules holding etcd3) REGISTRY_CMD (instead of `node dist/cli/main.js`)
// REGISTRY_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layout, SMALL } from './registry/loop.mjs';
import {
  etcdVersion,
  killStarted,
  memoryMb,
  removeDir,
  runChild,
  startEtcd,
  startRegistry,
  stop,
  tempDir,
} from './registry/processes.mjs';
import { findEtcd3, report } from './registry/report.mjs';

const env = (name, fallback) => process.env[name] ?? fallback;
const num = (name, fallback) => Number(env(name, fallback));
const cfg = {
  instances: num('INSTANCES', 100_000),
  services: num('SERVICES', 1000),
  big: num('BIG', 10_000),
  watchers: num('WATCHERS', 1000),
  others: num('OTHER_WATCHERS', 100),
  watchRounds: num('WATCH_ROUNDS', 3),
  phaseMs: num('PHASE_MS', 2000),
  warmupMs: num('WARMUP_MS', 300),
  rounds: num('ROUNDS', 3),
  fillCapMs: num('FILL_CAP_MS', 120_000),
  ttl: env('TTL', '10m'),
  leases: num('LEASES', 1000),
  settleMs: num('SETTLE_MS', 300),
  sutCpu: env('SUT_CPU', '1'),
  loadCpu: env('LOAD_CPU', '0'),
};
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REG = join(HERE, 'registry', 'registry-load.mjs');
const ETCD = join(HERE, 'registry', 'etcd-load.mjs');
const MAIN = join(HERE, '..', 'dist', 'cli', 'main.js');
const log = (line) => process.stderr.write(`${line}\n`);
const t0 = Date.now();

/** Which etcd rows can run: the server binary and the etcd3 client, or why not. */
function etcdAvailability() {
  if (env('ETCD', '1') === '0') return { skip: 'ETCD=0' };
  const version = etcdVersion();
  if (!version) return { skip: 'no `etcd` binary (apt-get install -y etcd-server etcd-client)' };
  const etcd3 = findEtcd3(env('ETCD3_DIR', undefined));
  if (!etcd3) {
    return {
      skip:
        'the etcd3 npm package is not installed (SKIP_APT=1 WORKDIR=/tmp/switchyard-bench ' +
        '../shared/bench/install.sh, or set ETCD3_DIR to a node_modules holding etcd3@1.1.2)',
    };
  }
  return { version, etcd3 };
}

/** On any way out (an error, ^C, a closed pipe), no server or load process outlives the driver. */
function cleanupOnExit(dirs) {
  process.on('exit', () => {
    killStarted();
    for (const d of dirs) removeDir(d);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
    process.once(signal, () => process.exit(130));
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => process.exit(1));
}

async function main() {
  if (!env('REGISTRY_CMD', '') && !existsSync(MAIN)) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` first (npm run bench does)');
  }
  const etcdInfo = etcdAvailability();
  if (etcdInfo.skip) log(`etcd rows skipped: ${etcdInfo.skip}`);
  const dirs = [tempDir('registry')];
  cleanupOnExit(dirs);
  const reg = await startRegistry({
    cpu: cfg.sutCpu,
    cmd: env('REGISTRY_CMD', ''),
    main: MAIN,
    nodeArgs: env('REGISTRY_NODE_ARGS', '').split(/\s+/).filter(Boolean),
    dataDir: join(dirs[0], 'data'),
  });
  log(`registry pid ${reg.pid} at ${reg.url}: ${reg.command}`);
  let etcd;
  const results = { reg: {}, etcd: {}, mem: {}, cfg, etcdInfo, reg_command: reg.command };
  try {
    if (!etcdInfo.skip) {
      dirs.push(tempDir('etcd'));
      etcd = await startEtcd({ cpu: cfg.sutCpu, dataDir: join(dirs[1], 'data') });
      log(`etcd ${etcdInfo.version} pid ${etcd.pid} at ${etcd.url}`);
    }
    await measure(reg, etcd, dirs, results);
  } finally {
    await stop(reg.child);
    await stop(etcd?.child);
    for (const d of dirs) removeDir(d);
  }
  results.elapsed_s = (Date.now() - t0) / 1000;
  process.stdout.write(report(results));
}

async function measure(reg, etcd, dirs, results) {
  const { fill } = layout(cfg);
  const base = { ...cfg, warmupMs: cfg.warmupMs, ms: cfg.phaseMs };
  const run = async (system, phase, key, extra, timeoutMs = cfg.phaseMs + 60_000) => {
    const target = system === 'reg' ? reg : etcd;
    if (!target) return undefined;
    const args = { ...base, ...extra, url: target.url, pid: target.pid };
    if (system === 'etcd') Object.assign(args, etcdArgs);
    const r = await runChild(cfg.loadCpu, system === 'reg' ? REG : ETCD, phase, args, timeoutMs);
    if (key) (results[system][key] ??= []).push(r);
    const rate =
      r.ops_s === undefined ? '' : ` ${r.ops_s.toFixed(0)}/s p99 ${r.p99_ms?.toFixed(2)} ms`;
    log(
      `${system} ${key ?? phase}:${rate}${r.errors ? ` errors ${r.errors}: ${r.first_error}` : ''}`,
    );
    return r;
  };
  const etcdArgs = etcd && {
    etcd3: results.etcdInfo.etcd3,
    leaseFile: join(dirs[1], 'leases.json'),
    leaseTtl: 600,
  };

  await run('reg', 'setup');
  await run('etcd', 'setup');
  // register throughput: 1 client for PHASE_MS, then 32 clients until the fill is complete
  const fillTo = { from: 0, to: fill };
  const e1 = await run('etcd', 'put', 'register c1', { ...fillTo, conc: 1 });
  const r1 = await run('reg', 'register', 'register c1', { ...fillTo, conc: 1 });
  const capped = { to: fill, conc: 32, ms: cfg.fillCapMs };
  const fillTimeout = cfg.fillCapMs + 60_000;
  const e32 =
    e1 && (await run('etcd', 'put', 'register c32', { ...capped, from: e1.reached }, fillTimeout));
  const r32 = await run(
    'reg',
    'register',
    'register c32',
    { ...capped, from: r1.reached },
    fillTimeout,
  );
  results.reg.instances = SMALL + r1.registered + r32.registered;
  if (e32) results.etcd.instances = SMALL + e1.registered + e32.registered;
  results.mem.reg_filled = memoryMb(reg.pid);
  if (etcd) results.mem.etcd_filled = memoryMb(etcd.pid);
  log(`RSS after fill: registry ${results.mem.reg_filled.rss.toFixed(0)} MB`);

  const n = r32.reached;
  for (let round = 1; round <= cfg.rounds; round++) {
    log(`-- round ${round}/${cfg.rounds}`);
    for (const conc of [1, 32]) {
      await run('etcd', 'keepalive', `keepalive-stream c${conc}`, { conc, mode: 'stream' });
      await run('etcd', 'keepalive', `keepalive-once c${conc}`, { conc, mode: 'once' });
      await run('reg', 'pass', `pass c${conc}`, { conc, n });
    }
    for (const conc of [1, 32]) {
      await run('etcd', 'get', `get small c${conc}`, {
        conc,
        service: 'small',
        serializable: false,
      });
      if (conc === 32) {
        await run('etcd', 'get', 'get small serializable c32', {
          conc,
          service: 'small',
          serializable: true,
        });
      }
      await run('reg', 'health', `health small c${conc}`, { conc, service: 'small' });
    }
    await run('etcd', 'get', 'get big c1', { conc: 1, service: 'big', serializable: false });
    await run('reg', 'health', 'health big c1', { conc: 1, service: 'big' });
  }
  const watch = {
    watchers: cfg.watchers,
    others: cfg.others,
    rounds: cfg.watchRounds,
    wait: '60s',
  };
  const watchTimeout = cfg.watchRounds * 60_000 + 60_000;
  results.etcd.watch = await run('etcd', 'watch', undefined, watch, watchTimeout);
  results.reg.watch = await run('reg', 'watch', undefined, watch, watchTimeout);
  results.mem.reg_end = memoryMb(reg.pid);
  if (etcd) results.mem.etcd_end = memoryMb(etcd.pid);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
