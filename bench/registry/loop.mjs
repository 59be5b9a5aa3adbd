// Shared by the registry benchmark's load children: the closed-loop phase driver (the method of
// ../shared/bench/lib/loadloop.js), the instance layout both systems are filled with, and the
// per-process CPU reading from /proc.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Instances of the 10-instance service `small`; registered before the fill, part of the total. */
export const SMALL = 10;

/**
 * Where fill instance k (0 ≤ k < instances − SMALL) goes: `big` gets exactly `big` of them, spread
 * evenly through the fill (so the big service grows while the others do), and the rest go
 * round-robin to `svc-0` … `svc-(services − 3)`. With the defaults: 10 + 10,000 + 89,990 instances
 * over 1 + 1 + 998 services.
 */
export function layout({ instances, services, big }) {
  const fill = instances - SMALL;
  const others = Math.max(1, services - 2);
  return {
    fill,
    at(k) {
      const bigBefore = Math.floor((k * big) / fill);
      const isBig = Math.floor(((k + 1) * big) / fill) > bigBefore;
      return { service: isBig ? 'big' : `svc-${(k - bigBefore) % others}`, id: `inst-${k}`, k };
    },
  };
}

/** A ~200-byte description of instance k (the etcd value; the registry gets the same fields). */
export function instanceFields(k) {
  return {
    address: `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`,
    port: 8080,
    tags: ['v1', 'zone-a'],
    meta: { version: '1.4.2', proto: 'http' },
  };
}

/** utime + stime of a process in seconds (NaN when it is gone or unknown). */
export function cpuSeconds(pid) {
  if (!pid) return NaN;
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Value at quantile q of an ascending array. */
export function quantile(sorted, q) {
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * `conc` workers call `op(i)` back to back (i counts up from 0 over the whole phase, warm-up
 * included) until `ms` have passed after the warm-up or `count` calls were started. Latencies
 * and CPU are taken over the measured part only. An op that throws counts as an error, not a call.
 */
export async function closedLoop({ conc, ms, warmupMs = 0, count = Infinity, serverPid, op }) {
  let next = 0;
  let errors = 0;
  let firstError;
  const lat = [];
  const runUntil = async (until, record) => {
    const worker = async () => {
      while (performance.now() < until && next < count) {
        const i = next++;
        const t0 = performance.now();
        try {
          await op(i);
          if (record) lat.push(performance.now() - t0);
        } catch (error) {
          errors++;
          firstError ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: conc }, worker));
  };
  if (warmupMs > 0) await runUntil(performance.now() + warmupMs, false);
  const cpu0 = process.cpuUsage();
  const server0 = cpuSeconds(serverPid);
  const t0 = performance.now();
  await runUntil(t0 + ms, true);
  const sec = (performance.now() - t0) / 1000;
  const serverSec = cpuSeconds(serverPid) - server0;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  return {
    conc,
    ops: lat.length,
    ops_s: lat.length / sec,
    sec,
    p50_ms: quantile(lat, 0.5),
    p99_ms: quantile(lat, 0.99),
    max_ms: lat[lat.length - 1] ?? NaN,
    client_cpu_pct: (100 * (cpu.user + cpu.system)) / 1e6 / sec,
    server_cpu_pct: (100 * serverSec) / sec,
    // the server's own cost per call: comparable even when the client, not the server, is the limit
    server_us_op: (serverSec * 1e6) / lat.length,
    errors,
    first_error: firstError === undefined ? undefined : String(firstError?.message ?? firstError),
    next,
  };
}

/** Resolves when `n` events were counted, rejects after `ms` (a bounded wait on an event). */
export function counter(n, ms, what) {
  let count = 0;
  let resolve;
  let reject;
  const done = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  const timer = setTimeout(() => reject(new Error(`${what}: ${count}/${n} after ${ms} ms`)), ms);
  const check = () => {
    if (count >= n) {
      clearTimeout(timer);
      resolve(count);
    }
  };
  check();
  return {
    done,
    get count() {
      return count;
    },
    add() {
      count++;
      check();
    },
  };
}
