// The registry benchmark's markdown: goals first (registry beside etcd, ratio, goal, met?), then
// every phase's medians over the rounds, then the watcher rounds.
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The etcd3 client's main file: from the project, ETCD3_DIR, NODE_PATH or the anchors' WORKDIR. */
export function findEtcd3(dir) {
  const dirs = [
    dir,
    ...(process.env.NODE_PATH ?? '').split(':'),
    '/tmp/switchyard-bench/node_modules',
  ].filter(Boolean);
  for (const d of [undefined, ...dirs]) {
    try {
      const from = d === undefined ? import.meta.url : join(d, 'noop.js');
      return createRequire(from).resolve('etcd3');
    } catch {
      // try the next place
    }
  }
  return undefined;
}

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Field-wise median of a phase's rounds (non-numeric fields from the first round). */
function med(rows) {
  if (!rows?.length) return undefined;
  const out = { ...rows[0], rounds: rows.length, errors: rows.reduce((n, r) => n + r.errors, 0) };
  const fields = ['ops_s', 'p50_ms', 'p99_ms', 'max_ms', 'client_cpu_pct', 'server_cpu_pct'];
  for (const k of [...fields, 'server_us_op']) {
    out[k] = median(rows.map((r) => r[k]));
  }
  return out;
}

const f = (x, d = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : '–';
const ok = (met) => (met === undefined ? '' : met ? '✅' : '❌');

const lat = (x) => (x ? `p50 ${f(x.p50_ms, 2)} / p99 ${f(x.p99_ms, 2)} ms` : '–');
const plural = (c) => `${c} client${c > 1 ? 's' : ''}`;
/** The rate with the server's CPU per call; ‡ when the load process, not the server, was the limit. */
const rate = (x) =>
  x ? `${f(x.ops_s)}/s${x.client_cpu_pct >= 90 ? ' ‡' : ''} (${f(x.server_us_op)} µs/op)` : '–';
/** registry ÷ etcd by rate, and by server CPU per call (etcd's µs/op ÷ the registry's). */
const ratios = (a, b) =>
  a && b ? `${f(a.ops_s / b.ops_s, 1)}× · ${f(b.server_us_op / a.server_us_op, 1)}×` : '–';
/** Of etcd's variants, the one with the higher rate (the goal is judged against it). */
const best = (...xs) => xs.filter(Boolean).sort((a, b) => b.ops_s - a.ops_s)[0];

function goals(r) {
  const R = (k) => med(r.reg[k]);
  const E = (k) => med(r.etcd[k]);
  const rows = [];
  const row = (what, reg, etcd, ratio, goal, met) =>
    rows.push(`| ${what} | ${reg} | ${etcd} | ${ratio} | ${goal} | ${ok(met)} |`);
  for (const c of [1, 32]) {
    const [reg, e] = [R(`register c${c}`), E(`register c${c}`)];
    const what = `register${c > 1 ? ` (the fill to ${f(r.reg.instances)})` : ''}, ${plural(c)}`;
    row(what, rate(reg), e ? `put with lease ${rate(e)}` : '–', ratios(reg, e), '', undefined);
  }
  for (const c of [1, 32]) {
    const reg = R(`pass c${c}`);
    const [s, o] = [E(`keepalive-stream c${c}`), E(`keepalive-once c${c}`)];
    const etcd = s ? `stream ${rate(s)}; keepaliveOnce ${rate(o)}` : '–';
    const goal = c === 32 ? '≥ 5× etcd' : '';
    const met = c === 32 && reg && s ? reg.ops_s >= 5 * best(s, o).ops_s : undefined;
    const once = reg && o ? ` (${f(reg.ops_s / o.ops_s, 1)}× over keepaliveOnce)` : '';
    row(
      `TTL heartbeat (check pass), ${plural(c)}`,
      rate(reg),
      etcd,
      ratios(reg, best(s, o)) + once,
      goal,
      met,
    );
  }
  const h32 = R('health small c32');
  const [g, gs] = [E('get small c32'), E('get small serializable c32')];
  const etcd32 = g ? `linearizable ${rate(g)}; serializable ${rate(gs)}` : '–';
  const met32 = h32 && g ? h32.ops_s >= 5 * best(g, gs).ops_s : undefined;
  row(
    '10-instance health query, 32 clients',
    rate(h32),
    etcd32,
    ratios(h32, best(g, gs)),
    '≥ 5× etcd',
    met32,
  );
  const h1 = R('health small c1');
  const what1 = `10-instance health query at ${f(r.reg.instances)} instances, 1 client`;
  row(what1, lat(h1), lat(E('get small c1')), '', 'p99 ≤ 2 ms', h1 ? h1.p99_ms <= 2 : undefined);
  const hb = R('health big c1');
  const gb = E('get big c1');
  const size = hb ? ` (${f(hb.entries)} entries, ${f(hb.answer_bytes / 1048576, 1)} MB)` : '';
  const keys = gb ? ` (${f(gb.entries)} keys)` : '';
  row(
    `whole ${f(r.cfg.big)}-instance answer, 1 client`,
    lat(hb) + size,
    lat(gb) + keys,
    '',
    '≤ 50 ms',
    hb ? hb.p99_ms <= 50 : undefined,
  );
  const [m, me] = [r.mem.reg_filled, r.mem.etcd_filled];
  const etcdMem = me ? `${f(me.rss)} MB (${f(r.etcd.instances)} keys)` : '–';
  row(
    `RSS after the fill to ${f(r.reg.instances)} instances`,
    `${f(m.rss)} MB`,
    etcdMem,
    '',
    '≤ 300 MB',
    m.rss <= 300,
  );
  const end = r.mem.reg_end;
  const endWhat = 'RSS at the end of the run (after the big answers and the watchers)';
  row(endWhat, `${f(end.rss)} MB (peak ${f(end.hwm)})`, '', '', '≤ 300 MB', end.rss <= 300);
  const [w, we] = [r.reg.watch, r.etcd.watch];
  const last = (x) => x.rounds.map((q) => q.last_ms);
  const wake = (x) =>
    x ? `median ${f(median(last(x)), 1)} ms (max ${f(Math.max(...last(x)), 1)})` : '–';
  const metW = w
    ? median(last(w)) <= 100 && w.rounds.every((q) => q.woken === r.cfg.watchers)
    : undefined;
  row(
    `${f(r.cfg.watchers)} watchers: write sent → last watcher answered`,
    wake(w),
    wake(we),
    '',
    '≤ 100 ms',
    metW,
  );
  const stray = (x) =>
    x ? x.rounds.reduce((n, q) => n + q.other_woken + q.woken_by_unrelated, 0) : NaN;
  const whatS = `watchers woken by another service's write (${r.cfg.watchRounds} rounds)`;
  row(whatS, f(stray(w)), we ? f(stray(we)) : '–', '', '0', w ? stray(w) === 0 : undefined);
  return [
    '| measure | Switchyard registry | etcd (same run) | ratio: rate · CPU per op | goal | met |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function phases(r) {
  const out = [
    '| system | phase | conc | ops/s | p50 ms | p99 ms | client CPU % | server CPU % | server µs/op | errors |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [system, name] of [
    ['etcd', 'etcd'],
    ['reg', 'registry'],
  ]) {
    for (const [key, rows] of Object.entries(r[system])) {
      if (!Array.isArray(rows)) continue;
      const x = med(rows);
      const errors = x.errors ? `${x.errors}: ${x.first_error}` : 0;
      const cells = [
        name,
        key.replace(/ c\d+$/, ''),
        x.conc,
        f(x.ops_s),
        f(x.p50_ms, 3),
        f(x.p99_ms, 3),
      ];
      cells.push(f(x.client_cpu_pct), f(x.server_cpu_pct), f(x.server_us_op), errors);
      out.push(`| ${cells.join(' | ')} |`);
    }
  }
  return out.join('\n');
}

function watchRounds(r) {
  const out = [
    '| system | round | woken | first ms | p50 ms | last ms | write answered ms | server CPU ms | load CPU ms | woken by unrelated write | other service woken |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [system, name] of [
    ['etcd', 'etcd'],
    ['reg', 'registry'],
  ]) {
    for (const q of r[system].watch?.rounds ?? []) {
      const woken = `${q.woken}${q.errors ? ` (${q.errors} errors)` : ''}`;
      const cells = [name, q.round, woken, f(q.first_ms, 1), f(q.p50_ms, 1), f(q.last_ms, 1)];
      cells.push(f(q.put_ms, 1), f(q.server_cpu_ms), f(q.client_cpu_ms));
      cells.push(q.woken_by_unrelated, q.other_woken);
      out.push(`| ${cells.join(' | ')} |`);
    }
  }
  return out.join('\n');
}

/** The whole markdown section body. */
export function report(r) {
  const c = r.cfg;
  const client = r.reg['pass c1']?.[0]?.client ?? '?';
  const etcd = r.etcdInfo.skip
    ? `**etcd rows skipped: ${r.etcdInfo.skip}**`
    : `etcd ${r.etcdInfo.version} (single node, fsync on, etcd3 npm client)`;
  const command = r.reg_command
    .replace(/ --data-dir \S+/, ' --data-dir <tmp>')
    .replace(/\S*(dist\/cli\/main\.js)/, '$1');
  return [
    `node ${process.version}; registry \`${command}\` pinned to cpu ${c.sutCpu}, etcd too; ` +
      `load on cpu ${c.loadCpu} (${client}; watchers: a raw socket each); ${etcd}.`,
    `${f(r.reg.instances)} instances over ${f(c.services)} services (one of ${f(c.big)}, one of 10), ` +
      `TTL ${c.ttl}; ${c.rounds} rounds × ${c.phaseMs} ms per phase, medians; a fresh load process ` +
      `per phase; ${f(r.elapsed_s)} s in all. µs/op: the server's CPU time per call (/proc); ` +
      `‡: the load process was ≥ 90 % busy, so the rate is the client's limit, not the server's.`,
    '',
    goals(r),
    '',
    phases(r),
    '',
    `${f(c.watchers)} blocking watchers on \`watched\` and ${f(c.others)} on \`other\`, ` +
      'times from sending the write:',
    '',
    watchRounds(r),
    '',
  ].join('\n');
}
