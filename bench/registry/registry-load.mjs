// Load child for the Switchyard registry (Consul HTTP API). Run by bench/registry.mjs, pinned to
// the load CPU, one phase per process:
//   node bench/registry/registry-load.mjs PHASE '{"url":…,"pid":…,…}'  → one JSON line on stdout
// Phases: setup, register, pass, health, watch.
import { blockingGet, httpClient } from './http-client.mjs';
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
const client = await httpClient(a.url, a.conc ?? 1);

/** The Consul registration body of one instance: a TTL check that starts passing. */
function registration(id, service, k) {
  const f = instanceFields(k);
  return JSON.stringify({
    ID: id,
    Name: service,
    Address: f.address,
    Port: f.port,
    Tags: f.tags,
    Meta: f.meta,
    Check: { TTL: a.ttl, Status: 'passing' },
  });
}

const register = (id, service, k) =>
  client.request('PUT', '/v1/agent/service/register', registration(id, service, k));

const healthPath = (service, extra = '') =>
  `/v1/health/service/${encodeURIComponent(service)}?passing=true${extra}`;

async function setup() {
  for (let j = 0; j < SMALL; j++) await register(`small-${j}`, 'small', 1_000_000 + j);
  return { registered: SMALL };
}

/** Registers fill instances from..to−1 (count-bounded and time-bounded). */
async function registerPhase() {
  const l = layout(a);
  const r = await closedLoop({
    conc: a.conc,
    ms: a.ms,
    count: a.to - a.from,
    serverPid: a.pid,
    op: (i) => {
      const { id, service, k } = l.at(a.from + i);
      return register(id, service, k);
    },
  });
  return { ...r, reached: a.from + r.next, registered: r.next - r.errors };
}

/** TTL heartbeats (`check pass`) on random registered instances. */
async function passPhase() {
  return closedLoop({
    conc: a.conc,
    ms: a.ms,
    warmupMs: a.warmupMs,
    serverPid: a.pid,
    op: () =>
      client.request(
        'PUT',
        `/v1/agent/check/pass/service%3Ainst-${Math.floor(Math.random() * a.n)}`,
      ),
  });
}

/** `GET /v1/health/service/NAME?passing=true`, the whole answer read; its size checked first. */
async function healthPhase() {
  const first = await client.request('GET', healthPath(a.service), undefined, true);
  const entries = JSON.parse(first.text).length;
  const r = await closedLoop({
    conc: a.conc,
    ms: a.ms,
    warmupMs: a.warmupMs,
    serverPid: a.pid,
    op: () => client.request('GET', healthPath(a.service)),
  });
  return { ...r, entries, answer_bytes: first.bytes };
}

/**
 * One round: `watchers` blocking queries on `watched` and `others` on `other`, all parked; an
 * unrelated write must wake none of them; then a registration in `watched` must wake every
 * watcher of `watched` (timed to the last answer) and none of `other`.
 */
async function watchRound(round) {
  const index = async (s) => Number((await client.request('GET', healthPath(s))).index);
  const wait = `&wait=${a.wait}`;
  const sent = counter(a.watchers + a.others, 30_000, 'watch requests sent');
  const wIndex = await index('watched');
  const oIndex = await index('other');
  const watchers = Array.from({ length: a.watchers }, () =>
    blockingGet(a.url, healthPath('watched', `&index=${wIndex}${wait}`), sent.add),
  );
  const others = Array.from({ length: a.others }, () =>
    blockingGet(a.url, healthPath('other', `&index=${oIndex}${wait}`), sent.add),
  );
  const answered = { w: 0, o: 0 };
  for (const w of watchers) void w.done.then((x) => x.status && answered.w++);
  for (const o of others) void o.done.then((x) => x.status && answered.o++);
  await sent.done;
  await sleep(a.settleMs); // let the server read and park every request
  const early = answered.w + answered.o;
  await register(`unrelated-${round}`, 'unrelated', 2_000_000 + round);
  await sleep(a.settleMs);
  const wokenByUnrelated = answered.w + answered.o - early;
  const cpu0 = process.cpuUsage();
  const server0 = cpuSeconds(a.pid);
  const t0 = performance.now();
  const hr0 = process.hrtime.bigint();
  await register(`watched-${round}`, 'watched', 3_000_000 + round);
  const putMs = performance.now() - t0;
  const timeout = sleep(10_000).then(() => 'timeout');
  const all = await Promise.race([Promise.all(watchers.map((w) => w.done)), timeout]);
  if (all === 'timeout')
    throw new Error(`round ${round}: ${answered.w}/${a.watchers} woken in 10 s`);
  const wake = all.map((x) => x.at - t0).sort((x, y) => x - y);
  // monotonic µs (the clock of a --cpu-prof profile), to find the wake-up in the server's profile
  const window = [Number(hr0 / 1000n), Number(process.hrtime.bigint() / 1000n)];
  const serverMs = (cpuSeconds(a.pid) - server0) * 1000;
  const cpu = process.cpuUsage(cpu0);
  await sleep(a.settleMs);
  const otherWoken = answered.o;
  for (const w of [...watchers, ...others]) w.abort();
  await Promise.all(others.map((o) => o.done));
  return {
    round,
    woken: all.filter((x) => x.status === 200).length,
    errors: all.filter((x) => x.error).length,
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
    window_us: window,
  };
}

async function watchPhase() {
  for (let j = 0; j < 10; j++) {
    await register(`watched-seed-${j}`, 'watched', 4_000_000 + j);
    await register(`other-seed-${j}`, 'other', 5_000_000 + j);
  }
  const rounds = [];
  for (let r = 1; r <= a.rounds; r++) rounds.push(await watchRound(r));
  return { watchers: a.watchers, others: a.others, rounds };
}

const PHASES = {
  setup,
  register: registerPhase,
  pass: passPhase,
  health: healthPhase,
  watch: watchPhase,
};
const result = await PHASES[phase]();
await client.close();
process.stdout.write(JSON.stringify({ ...result, client: client.kind }) + '\n');
// stdout is a pipe (synchronous on Linux): exit without waiting for idle handles to drain
process.exit(0);
