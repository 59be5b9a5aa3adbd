import { spawn, type ChildProcess } from 'node:child_process';

/** An upstream running in its own process, so a test can `kill -9` it. */
export interface UpstreamProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

export async function spawnUpstream(name: string, port = 0): Promise<UpstreamProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/gateway/fixtures/upstream-process.ts', name, String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const actual = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`upstream ${name} exited early (${code})`)));
  });
  return {
    child,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
