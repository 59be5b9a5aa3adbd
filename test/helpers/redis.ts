import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A real redis-server started for a test; stop it by PID with `stop()`. */
export interface StartedRedis {
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGTERM (SIGKILL after 5 s); resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/** A port that was free a moment ago (redis-server cannot listen on port 0 and report it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `redis-server` on a free loopback port, without persistence, and resolves once it logs
 * "Ready to accept connections". Retries with another port if the chosen one was taken meanwhile.
 *
 * @example
 * const redis = await startRedis();
 * after(() => redis.stop());
 */
export async function startRedis(port?: number, attempts = 3): Promise<StartedRedis> {
  for (let i = 1; ; i++) {
    try {
      return await startOn(port ?? (await freePort()));
    } catch (error) {
      if (i >= attempts) throw error;
    }
  }
}

function startOn(port: number, timeoutMs = 10_000): Promise<StartedRedis> {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`redis-server not ready in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: string) => {
      out += chunk;
      if (!out.includes('Ready to accept connections')) return;
      finish();
      child.stdout.resume(); // keep draining its log so redis never blocks on a full pipe
      resolve({ port, url: `redis://127.0.0.1:${port}`, child, stop });
    };
    const onExit = () => fail(new Error(`redis-server exited before ready:\n${out}`));
    const finish = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    };
    const fail = (error: Error) => {
      finish();
      void stop().then(() => reject(error));
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('exit', onExit);
    child.once('error', (error) => fail(error));
  });
}
