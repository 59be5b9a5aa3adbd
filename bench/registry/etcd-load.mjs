// Load child for etcd 3.4 doing what the registry does: an instance is a key under
// /services/NAME/ put with a lease, a heartbeat is a lease keepalive, a health query is a get of
// the service's prefix, a watcher is a prefix watch. Same method as ../shared/bench/etcd-bench.js
// (the etcd3 npm client), one phase per process, pinned to the load CPU:
//   node bench/registry/etcd-load.mjs PHASE '{"url":…,"pid":…,"etcd3":MAIN,…}'  → one JSON line
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  closedLoop,
  counter,
  cpuSeconds,
  instanceFields,
  layout,
  quantile,
  SMALL,
  sleep,
} from './loop.mjs';

const [phase, argJson] = process.argv.slice(2);
const a = JSON.parse(argJson ?? '{}');
const { Etcd3 } = createRequire(import.meta.url)(a.etcd3);
const client = new Etcd3({ hosts: a.url });
const leases = () => JSON.parse(readFileSync(a.leaseFile, 'utf8'));

/** The ~200-byte value stored for instance k (as etcd-bench.js's record). */
function record(id, service, k) {
  return JSON.stringify({ id, service, ...instanceFields(k), ts: Date.now() }).padEnd(200, ' ');
}

const put = (service, id, k, lease) =>
  client
    .put(`/services/${service}/${id}`)
    .value(record(id, service, k))
    .lease(lease);

/** Grants the leases every instance hangs on (instance k uses lease k mod L); seeds `small`. */
async function setup() {
  const ids = [];
  for (let j = 0; j < a.leases; j++) {
    ids.push(await client.lease(a.leaseTtl, { autoKeepAlive: false }).grant());
  }
  writeFileSync(a.leaseFile, JSON.stringify(ids));
  for (let j = 0; j < SMALL; j++) await put('small', `small-${j}`, 1_000_000 + j, ids[j]);
  return { leases: ids.length };
}

async function putPhase() {
  const l = layout(a);
  const ids = leases();
  const r = await closedLoop({
    conc: a.conc,
    ms: a.ms,
    count: a.to - a.from,
    serverPid: a.pid,
    op: (i) => {
      const { id, service, k } = l.at(a.from + i);
      return put(service, id, k, ids[k % ids.length]);
    },
  });
  return { ...r, reached: a.from + r.next, registered: r.next - r.errors };
}

/** One keepalive on `stream`: write the lease ID, wait for its answer, fail on an expired lease. */
function keepalive(stream, id) {
  return new Promise((resolve, reject) => {
    const onData = (res) => {
      stream.off('error', reject);
      if (String(res.TTL) === '0') reject(new Error(`lease ${id} expired`));
      else resolve(res);
    };
    stream.once('data', onData);
    stream.once('error', reject);
    stream.write({ ID: id });
  });
}

/** `once`: a fresh LeaseKeepAlive stream per call, exactly as etcd3's `lease.keepaliveOnce()`;
 *  `stream`: one long-lived stream per client, as etcd3's automatic keepalive uses. */
async function keepalivePhase() {
  const ids = leases();
  const pick = () => ids[Math.floor(Math.random() * ids.length)];
  let op;
  let free;
  if (a.mode === 'once') {
    op = async () => {
      const stream = await client.leaseClient.leaseKeepAlive();
      try {
        await keepalive(stream, pick());
      } finally {
        stream.end();
      }
    };
  } else {
    free = [];
    for (let j = 0; j < a.conc; j++) free.push(await client.leaseClient.leaseKeepAlive());
    op = async () => {
      const stream = free.pop();
      try {
        await keepalive(stream, pick());
      } finally {
        free.push(stream);
      }
    };
  }
  const r = await closedLoop({
    conc: a.conc,
    ms: a.ms,
    warmupMs: a.warmupMs,
    serverPid: a.pid,
    op,
  });
  for (const stream of free ?? []) stream.end();
  return { ...r, mode: a.mode };
}

/** Range over the service's prefix (linearizable unless `serializable`), values decoded. */
async function getPhase() {
  const get = () =>
    client.getAll().prefix(`/services/${a.service}/`).serializable(a.serializable).buffers();
  const entries = Object.keys(await get()).length;
  const r = await closedLoop({
    conc: a.conc,
    ms: a.ms,
    warmupMs: a.warmupMs,
    serverPid: a.pid,
    op: get,
  });
  return { ...r, entries, serializable: a.serializable };
}

/** As the registry's watch round: prefix watchers, an unrelated put, then a put in `watched`. */
async function watchRound(round, lease) {
  const answered = { w: 0, o: 0 };
  const woken = counter(a.watchers, 10_000, `round ${round}: watchers woken`);
  const at = [];
  const make = (service, onPut) =>
    client
      .watch()
      .prefix(`/services/${service}/`)
      .create()
      .then((w) => w.on('put', onPut));
  const watchers = await Promise.all(
    Array.from({ length: a.watchers }, () =>
      make('watched', () => {
        answered.w++;
        at.push(performance.now());
        woken.add();
      }),
    ),
  );
  const others = await Promise.all(
    Array.from({ length: a.others }, () => make('other', () => answered.o++)),
  );
  await sleep(a.settleMs);
  const early = answered.w + answered.o;
  await put('unrelated', `unrelated-${round}`, 2_000_000 + round, lease);
  await sleep(a.settleMs);
  const wokenByUnrelated = answered.w + answered.o - early;
  const cpu0 = process.cpuUsage();
  const server0 = cpuSeconds(a.pid);
  const t0 = performance.now();
  await put('watched', `watched-${round}`, 3_000_000 + round, lease);
  const putMs = performance.now() - t0;
  await woken.done;
  const wake = at.map((x) => x - t0).sort((x, y) => x - y);
  const serverMs = (cpuSeconds(a.pid) - server0) * 1000;
  const cpu = process.cpuUsage(cpu0);
  await sleep(a.settleMs);
  const otherWoken = answered.o;
  await Promise.all([...watchers, ...others].map((w) => w.cancel()));
  return {
    round,
    woken: wake.length,
    errors: 0,
    early,
    woken_by_unrelated: wokenByUnrelated,
    other_woken: otherWoken,
    put_ms: putMs,
    first_ms: wake[0],
    p50_ms: quantile(wake, 0.5),
    last_ms: wake[wake.length - 1],
    // CPU spent from the write to the last answer: which side the wake-up time goes to
    server_cpu_ms: serverMs,
    client_cpu_ms: (cpu.user + cpu.system) / 1000,
  };
}

async function watchPhase() {
  const lease = leases()[0];
  for (let j = 0; j < 10; j++) {
    await put('watched', `watched-seed-${j}`, 4_000_000 + j, lease);
    await put('other', `other-seed-${j}`, 5_000_000 + j, lease);
  }
  const rounds = [];
  for (let r = 1; r <= a.rounds; r++) rounds.push(await watchRound(r, lease));
  return { watchers: a.watchers, others: a.others, rounds };
}

const PHASES = {
  setup,
  put: putPhase,
  keepalive: keepalivePhase,
  get: getPhase,
  watch: watchPhase,
};
const result = await PHASES[phase]();
client.close();
process.stdout.write(JSON.stringify({ ...result, client: 'etcd3 (gRPC)' }) + '\n');
// stdout is a pipe (synchronous on Linux): exit without waiting for idle handles to drain
process.exit(0);
