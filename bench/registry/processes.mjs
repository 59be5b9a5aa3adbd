// Processes of the registry benchmark: the two servers under test (each pinned to the SUT CPU) and
// the load children (pinned to the load CPU). Every process is stopped by its PID; data dirs are
// fresh temporary directories, removed at the end.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './loop.mjs';

/** Every process started here and not yet exited, for `killStarted` on an abrupt exit. */
const started = new Set();

function track(child) {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** SIGKILLs (by PID) whatever this module started that is still running; synchronous. */
export function killStarted() {
  for (const child of started) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** `taskset -c CPU` as a command prefix, or nothing where taskset is missing. */
export function pin(cpu) {
  try {
    execFileSync('taskset', ['-c', cpu, 'true'], { stdio: 'ignore' });
    return ['taskset', '-c', cpu];
  } catch {
    return [];
  }
}

/** A fresh directory under the system temp dir. */
export const tempDir = (name) => mkdtempSync(join(tmpdir(), `switchyard-bench-${name}-`));

/** VmRSS and VmHWM of a process, in MB (from /proc/PID/status). */
export function memoryMb(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(s)?.[1]);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/** A port free on 127.0.0.1 right now (etcd needs explicit ports). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, ms, child) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before listening`);
    const open = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`port ${port} did not open within ${ms} ms`);
}

/** Stops a process we started: SIGTERM, then SIGKILL after `ms`. */
export async function stop(child, ms = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid, 'SIGTERM');
  if ((await Promise.race([exited, sleep(ms).then(() => 'timeout')])) === 'timeout') {
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }
}

/**
 * Starts the registry (`node [nodeArgs] MAIN registry …`, MAIN being dist/cli/main.js, or `cmd`
 * instead of `node MAIN`) and resolves once it prints its HTTP address.
 */
export async function startRegistry({ cpu, cmd, main, nodeArgs, dataDir, log }) {
  const base = cmd ? cmd.split(/\s+/) : [process.execPath, ...nodeArgs, main];
  const args = [
    ...base,
    'registry',
    '--http',
    '127.0.0.1:0',
    '--dns',
    'off',
    '--data-dir',
    dataDir,
  ];
  const full = [...pin(cpu), ...args];
  const child = track(spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`registry not ready in 30 s:\n${out}`)),
      30_000,
    );
    const onData = (chunk) => {
      out += chunk;
      log?.(String(chunk));
      const m = /HTTP \(Consul API\) (http:\/\/[^\s,]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => ((out += c), log?.(String(c))));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`registry exited with ${code}:\n${out}`));
    });
  });
  child.stdout.removeAllListeners('data').resume();
  child.removeAllListeners('exit');
  return { child, pid: child.pid, url, command: args.join(' ') };
}

/** `etcd --version`'s first line, or undefined when etcd is not installed. */
export function etcdVersion() {
  try {
    return /etcd Version: (\S+)/.exec(
      execFileSync('etcd', ['--version'], { encoding: 'utf8' }),
    )?.[1];
  } catch {
    return undefined;
  }
}

/** A fresh single-node etcd (fsync on, as shipped) with its data under `dataDir`. */
export async function startEtcd({ cpu, dataDir }) {
  const client = await freePort();
  const peer = await freePort();
  const c = `http://127.0.0.1:${client}`;
  const p = `http://127.0.0.1:${peer}`;
  const full = [
    ...pin(cpu),
    'etcd',
    ...['--name', 'bench', '--data-dir', dataDir, '--logger', 'zap', '--log-level', 'warn'],
    ...['--listen-client-urls', c, '--advertise-client-urls', c],
    ...['--listen-peer-urls', p, '--initial-advertise-peer-urls', p],
    ...['--initial-cluster', `bench=${p}`],
  ];
  const child = track(spawn(full[0], full.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] }));
  child.stderr.resume();
  await waitForPort(client, 15_000, child);
  return { child, pid: child.pid, url: c };
}

/** Runs a load child to completion (bounded by `ms`) and returns its last stdout line as JSON. */
export function runChild(cpu, script, phase, args, ms) {
  const full = [...pin(cpu), process.execPath, script, phase, JSON.stringify(args)];
  return new Promise((resolve, reject) => {
    const child = track(spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => process.kill(child.pid, 'SIGKILL'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop();
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`${script} ${phase} failed (${signal ?? code}):\n${err}${out}`));
    });
  });
}

/** Removes a temporary directory (best effort). */
export const removeDir = (dir) => rmSync(dir, { recursive: true, force: true });
