import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duration, Logger } from '../core/index.js';
import { describeError, invalidOption } from './client-errors.js';
import type { ClientEvents } from './client-events.js';
import { booleanOption, durationOption, objectOption } from './client-options.js';

/** Options of `sy.handleShutdown(server, options)`. */
export interface ShutdownOptions {
  /** How long to keep serving after deregistering, while callers' caches drop this instance. Default `2000`. */
  readonly propagationMs?: Duration;
  /** How long in-flight requests may take to finish after the listener closes. Default `25000`. */
  readonly drainTimeoutMs?: Duration;
  /** The longest wait for the registry to confirm the deregistration. Default `2000`. */
  readonly deregisterTimeoutMs?: Duration;
  /** Call `process.exit()` at the end (0, or 1 if the drain deadline cut requests off). Default true. */
  readonly exit?: boolean;
  /** Default `['SIGTERM', 'SIGINT']`; `[]` to only shut down through `handle.shutdown()`. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Runs after the drain, before exit: close database pools, flush telemetry… */
  readonly onShutdown?: () => void | Promise<void>;
}

/** What `handleShutdown` returns. */
export interface ShutdownHandle {
  /** Runs the shutdown sequence now (idempotent: every call gets the same promise). */
  shutdown(reason?: string): Promise<void>;
  readonly shuttingDown: boolean;
  /** Requests the server is handling right now. */
  readonly inflight: number;
  /** Removes the signal listeners and the request tracking. */
  dispose(): void;
}

/** What the sequence needs from the registry client. */
export interface ShutdownDeps {
  readonly logger: Logger;
  readonly events: ClientEvents;
  /** Deregisters every instance this client registered. */
  deregister(): Promise<void>;
  /** Flags health handlers as failing (503). */
  markShuttingDown(): void;
  /** Stops discovery watches, pools and heartbeats. */
  close(): Promise<void>;
}

const KNOWN = [
  'propagationMs',
  'drainTimeoutMs',
  'deregisterTimeoutMs',
  'exit',
  'signals',
  'onShutdown',
];

/**
 * The seeds' shutdown sequence, fitting Kubernetes' 30 s grace period by default:
 * 1. deregister (and answer 503 on the health handler), so callers stop picking this instance;
 * 2. keep serving for `propagationMs` while their caches catch up;
 * 3. `server.close()`: stop accepting, close idle keep-alive connections, and answer every
 *    request from now on with `Connection: close`;
 * 4. drain: wait for in-flight requests, up to `drainTimeoutMs`, then cut what is left;
 * 5. `onShutdown`, close the client, exit.
 *
 * @example
 * const server = app.listen(3000);
 * sy.handleShutdown(server, { propagationMs: 5_000, onShutdown: () => db.end() });
 */
export function handleShutdown(
  server: Server,
  options: ShutdownOptions,
  deps: ShutdownDeps,
): ShutdownHandle {
  const o = objectOption('handleShutdown', options, KNOWN);
  const propagationMs = durationOption('handleShutdown.propagationMs', o.propagationMs, 2_000);
  const drainMs = durationOption('handleShutdown.drainTimeoutMs', o.drainTimeoutMs, 25_000);
  const deregisterMs = durationOption(
    'handleShutdown.deregisterTimeoutMs',
    o.deregisterTimeoutMs,
    2_000,
  );
  const exit = booleanOption('handleShutdown.exit', o.exit, true);
  const signals: readonly NodeJS.Signals[] = o.signals ?? ['SIGTERM', 'SIGINT'];
  if (!isSignalList(signals)) {
    throw invalidOption('handleShutdown.signals', 'expected an array of signal names');
  }
  const { logger, events } = deps;

  const active = new Set<ServerResponse>();
  let draining = false;
  let shuttingDown = false;
  let done: Promise<void> | undefined;

  const onRequest = (_req: IncomingMessage, res: ServerResponse): void => {
    active.add(res);
    if (shuttingDown) res.shouldKeepAlive = false;
    res.once('close', () => {
      active.delete(res);
      // a response sent with keep-alive before the drain leaves an idle socket: close it
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  };
  server.prependListener('request', onRequest);

  const phase = (name: 'deregister' | 'propagation' | 'close' | 'drain' | 'exit') =>
    events.emit({ type: 'shutdown', phase: name, inflight: active.size });

  async function run(reason: string): Promise<void> {
    shuttingDown = true;
    deps.markShuttingDown();
    logger.info('shutting down', { reason, inflight: active.size });
    phase('deregister');
    await within(deps.deregister(), deregisterMs, 'deregister').catch((error: unknown) =>
      logger.warn('deregistration failed; the TTL will expire instead', {
        error: describeError(error),
      }),
    );
    phase('propagation');
    await sleep(propagationMs);
    phase('close');
    for (const res of active) if (!res.headersSent) res.shouldKeepAlive = false;
    draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    phase('drain');
    const drained = await within(closed, drainMs, 'drain').then(
      () => true,
      () => false,
    );
    if (!drained) {
      logger.warn('drain deadline reached; closing remaining connections', {
        inflight: active.size,
      });
      server.closeAllConnections();
    }
    try {
      await o.onShutdown?.();
    } catch (error) {
      logger.error('onShutdown failed', { error: describeError(error) });
    }
    await deps.close().catch(() => undefined);
    phase('exit');
    dispose();
    if (exit) process.exit(drained ? 0 : 1);
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    if (done !== undefined && exit) {
      logger.warn('second signal during shutdown; exiting now', { signal });
      process.exit(1);
    }
    void shutdown(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);

  function shutdown(reason = 'requested'): Promise<void> {
    done ??= run(reason);
    return done;
  }

  function dispose(): void {
    for (const signal of signals) process.off(signal, onSignal);
    server.off('request', onRequest);
  }

  return {
    shutdown,
    dispose,
    get shuttingDown() {
      return shuttingDown;
    },
    get inflight() {
      return active.size;
    },
  };
}

function isSignalList(value: unknown): boolean {
  return Array.isArray(value) && value.every((s) => typeof s === 'string' && s.startsWith('SIG'));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a rejection after `ms` (the timer never outlives the promise). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
