import { parseArgs } from 'node:util';
import { FlakyService, type ServiceMode } from '../demo/flaky-service.js';
import { createLogger } from '../core/logger.js';
import { startRegistry } from '../registry/registry-server.js';
import { UsageError } from './usage-error.js';
import {
  BrokenCircuitError,
  circuitBreaker,
  exponentialBackoff,
  retry,
  timeout,
  wrap,
} from '../resilience/index.js';

/** The scripted scenario: what the downstream does from each second on (loops). */
const SCRIPT: ReadonlyArray<[atSecond: number, mode: ServiceMode, note: string]> = [
  [0, 'healthy', 'downstream healthy'],
  [4, 'failing', 'injecting failures: every request now answers 500'],
  [20, 'healthy', 'downstream recovered'],
  [32, 'slow', 'downstream slow: answers after 2 s, the 1 s timeout counts each as a failure'],
  [46, 'healthy', 'downstream recovered'],
];
const LOOP_SECONDS = 58;

/**
 * `switchyard demo`: the circuit-breaker lab of the seed documents in a terminal, on the real
 * library and a real HTTP service. Keys (when a TTY): f fail, s slow, r recover, q quit.
 */
export async function run(args: string[]): Promise<number> {
  let values: { rate: string; duration?: string | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: { rate: { type: 'string', default: '20' }, duration: { type: 'string' } },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const rate = Number(values.rate);
  const duration = values.duration === undefined ? Infinity : Number(values.duration);
  if (!(rate > 0 && rate <= 1000))
    throw new UsageError(`--rate: expected 1..1000, got "${values.rate}"`);
  if (!(duration > 0))
    throw new UsageError(`--duration: expected seconds > 0, got "${values.duration}"`);

  const service = new FlakyService();
  const url = await service.start();
  const breaker = circuitBreaker({
    failureThreshold: 5,
    cooldown: '10s',
    halfOpen: { maxProbes: 1, successThreshold: 2 },
    eagerHalfOpen: true, // a timer, so the HALF-OPEN line prints when the cooldown ends
    isResultFailure: (res: Response) => res.status >= 500,
  });
  const policy = wrap(
    retry({ maxAttempts: 2, backoff: exponentialBackoff({ initial: 50, max: 200 }) }),
    breaker,
    timeout('1s'),
  );
  const started = performance.now();
  const elapsed = () => ((performance.now() - started) / 1000).toFixed(1).padStart(5);
  const log = (line: string) => process.stdout.write(`[${elapsed()}s] ${line}\n`);

  log(`payment-service listening on ${url}`);
  const registry = await startRegistry({
    http: { host: '127.0.0.1', port: 0 },
    dns: { host: '127.0.0.1', port: 0 },
    dataDir: ':memory:',
    logger: createLogger('registry', 'warn'),
  });
  await registerWithHttpCheck(registry.httpUrl, url);
  log(`registry on ${registry.httpUrl} (Consul API), DNS on 127.0.0.1:${registry.dnsPort}`);
  log(`registered payment-1 in the registry, health-checked over HTTP every 1 s; try:`);
  log(`  curl '${registry.httpUrl}/v1/health/service/payment-service?passing'`);
  log(`  dig @127.0.0.1 -p ${registry.dnsPort} payment-service.service.consul SRV`);
  let lastStatus = '';
  const unwatch = registry.catalog.hub.subscribe(
    (c) => c.kind === 'service' && c.name === 'payment-service',
    () => {
      const entry = registry.catalog.healthOf('payment-service')[0];
      if (entry && entry.status !== lastStatus) {
        lastStatus = entry.status;
        log(`registry: payment-1 is ${entry.status}`);
      }
    },
  );
  log('breaker: failure threshold 5, cooldown 10 s, 2 successful probes close it');
  breaker.onStateChange(({ to }) => {
    const snap = breaker.snapshot();
    const extra =
      to === 'OPEN'
        ? `  (fast-failing; next probe in ${Math.ceil(snap.retryAfterMs / 1000)} s)`
        : '';
    log(`State: ${to.replace('_', '-')}   Failures: ${snap.consecutiveFailures} / 5${extra}`);
  });

  const counts = { ok: 0, failed: 0, fastFailed: 0 };
  const send = () =>
    policy
      .execute(async ({ signal }) => {
        const res = await fetch(`${url}/charge`, { signal });
        await res.arrayBuffer();
        return res;
      })
      .then(
        (res) => (res.status < 500 ? counts.ok++ : counts.failed++),
        (error: unknown) =>
          error instanceof BrokenCircuitError ? counts.fastFailed++ : counts.failed++,
      );

  let step = -1;
  const traffic = setInterval(() => void send(), 1000 / rate);
  const report = setInterval(() => {
    const seconds = ((performance.now() - started) / 1000) % LOOP_SECONDS;
    const next = SCRIPT.findLastIndex(([at]) => at <= seconds);
    if (next !== step && !manual) {
      step = next;
      const [, mode, note] = SCRIPT[next]!;
      service.mode = mode;
      log(`▶ ${note}`);
    }
    log(
      `sent ok ${counts.ok}, failed ${counts.failed}, fast-failed ${counts.fastFailed}; reached the service: ${service.hits}`,
    );
    counts.ok = counts.failed = counts.fastFailed = service.hits = 0;
  }, 1000);

  let manual = false;
  let stopAt: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    if (Number.isFinite(duration)) stopAt = setTimeout(resolve, duration * 1000);
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (process.stdin.isTTY) {
      log('keys: f = inject failures, s = slow, r = recover, q = quit');
      process.stdin.setRawMode(true);
      process.stdin.resume();
      process.stdin.on('data', (key: Buffer) => {
        const k = key.toString();
        if (k === 'q' || k === '\u0003') return resolve();
        const mode = ({ f: 'failing', s: 'slow', r: 'healthy' } as const)[k as 'f' | 's' | 'r'];
        if (mode) {
          manual = true;
          service.mode = mode;
          log(`▶ downstream now ${mode} (scripted scenario paused)`);
        }
      });
    }
  });
  await done;
  clearTimeout(stopAt);
  clearInterval(traffic);
  clearInterval(report);
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  process.stdin.pause();
  unwatch();
  await registry.close();
  await service.stop();
  breaker.dispose();
  log('stopped');
  return 0;
}

/** Registers the demo service the way any service would: Consul's HTTP API with an HTTP check. */
async function registerWithHttpCheck(registryUrl: string, serviceUrl: string): Promise<void> {
  const { hostname, port } = new URL(serviceUrl);
  const res = await fetch(`${registryUrl}/v1/agent/service/register`, {
    method: 'PUT',
    body: JSON.stringify({
      Name: 'payment-service',
      ID: 'payment-1',
      Address: hostname,
      Port: Number(port),
      Check: { HTTP: `${serviceUrl}/health`, Interval: '1s', Timeout: '500ms' },
    }),
  });
  if (!res.ok)
    throw new Error(`registering with the registry failed: ${res.status} ${await res.text()}`);
}
