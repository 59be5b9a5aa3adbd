import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { createLogger, type Logger } from '../core/logger.js';
import { startAdminServer, type AdminBackend } from './admin/admin-server.js';
import { ConfigError } from './config/config-error.js';
import { loadGatewayConfig } from './config/load-config.js';
import { redactConfig } from './config/redact.js';
import type { GatewayConfig } from './config/types.js';
import { createAccessLog, type AccessLog } from './access-log.js';
import { collectGatewayMetrics, GatewayCounters } from './metrics/gateway-metrics.js';
import { renderFamilies, type MetricFamily } from './metrics/metric-families.js';
import { handleClientError } from './proxy/client-error.js';
import { createProxyHandler, type ProxyState } from './proxy/proxy-handler.js';
import { createUpgradeHandler } from './proxy/websocket.js';
import { buildSnapshot, type Snapshot } from './runtime/snapshot.js';
import { RedisConnection } from './policies/redis-connection.js';
import { PoolManager } from './upstream/pool-manager.js';

export interface StartGatewayOptions {
  /** Path of the YAML config; reloads re-read it. */
  readonly configPath?: string;
  /** An already loaded config (tests, embedding); reload then needs `configPath`. */
  readonly config?: GatewayConfig;
  readonly logger?: Logger;
  /** Where access log lines go (default stdout); `false` disables them whatever the config says. */
  readonly accessLog?: NodeJS.WritableStream | false;
  /** Do not start the admin listener even if configured (the cluster primary runs it). */
  readonly noAdmin?: boolean;
  /** Watch the config file (default: the config's `reload.watch`); cluster workers don't. */
  readonly watch?: boolean;
}

export interface ReloadResult {
  ok: boolean;
  error?: string;
  problems?: readonly unknown[];
}

/** A running gateway. */
export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly adminUrl: string | undefined;
  snapshot(): Snapshot;
  /** Validates, compiles and swaps in the config file; on failure the old config keeps serving. */
  reload(): Promise<ReloadResult>;
  /** Called after every reload attempt (file change, SIGHUP, admin API); returns a disposer. */
  onReload(listener: (result: ReloadResult) => void): () => void;
  status(): object;
  metricFamilies(): MetricFamily[];
  /** Stops accepting, drains in-flight requests up to `limits.drainTimeout`, then closes. */
  close(): Promise<void>;
}

/**
 * Starts the gateway: the downstream listener (HTTP/1.1, or TLS with HTTP/2 via ALPN), the admin
 * listener, config watching and reload.
 *
 * @example
 * const gw = await startGateway({ configPath: 'gateway.yaml' });
 * console.log(`gateway on ${gw.url}`);
 * process.once('SIGTERM', () => void gw.close());
 */
export async function startGateway(options: StartGatewayOptions): Promise<Gateway> {
  const logger = options.logger ?? createLogger('gateway');
  const configPath = options.configPath;
  let config = options.config ?? (await loadGatewayConfig(requirePath(configPath)));
  const pools = new PoolManager();
  const redisConnection = new RedisConnection();
  const redis = (address: string) => redisConnection.get(address);
  const counters = new GatewayCounters();
  const state: ProxyState = {
    snapshot: buildSnapshot(config, { pools, logger, redis }).snapshot,
    draining: false,
  };
  const accessLog: AccessLog | undefined =
    options.accessLog === false || !config.accessLog
      ? undefined
      : createAccessLog(options.accessLog);
  const downstream = { proto: config.listen.tls ? ('https' as const) : ('http' as const) };
  const handler = createProxyHandler(
    state,
    downstream,
    accessLog?.exchange,
    (req, status, code, requestId, startedAt) => {
      counters.countLocal(code, status);
      accessLog?.local(req, status, code, requestId, startedAt);
    },
    (error) =>
      logger.error('request handler failed', { error: String((error as Error)?.stack ?? error) }),
  );
  const tunnels = new Set<Duplex>();
  const server = await createListener(config);
  server.on('request', handler);
  server.on('upgrade', createUpgradeHandler(state, downstream, tunnels));
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    const status = handleClientError(error, socket);
    if (status !== undefined) counters.countLocal(clientErrorCode(status), status);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: config.listen.port, host: config.listen.host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const url = `${downstream.proto}://${host}:${port}`;

  let reloading: Promise<ReloadResult> | undefined;
  const reloadListeners = new Set<(result: ReloadResult) => void>();
  const reload = (): Promise<ReloadResult> => {
    // Queue: a reload requested while one runs waits for it, then runs (so the last one wins).
    const run = async (): Promise<ReloadResult> => {
      if (configPath === undefined) return { ok: false, error: 'no config file to reload' };
      try {
        const next = await loadGatewayConfig(configPath);
        const { snapshot, retired } = buildSnapshot(next, { pools, logger, redis }, state.snapshot);
        const previous = state.snapshot;
        state.snapshot = snapshot;
        config = next;
        for (const svc of retired) svc.close();
        // The old routes' policies may still serve requests that started before the swap.
        setTimeout(() => void closePolicies(previous), 30_000).unref();
        counters.reloadsOk++;
        logger.info('config reloaded', {
          routes: next.routes.length,
          services: snapshot.services.size,
        });
        return { ok: true };
      } catch (error) {
        counters.reloadsFailed++;
        const problems = error instanceof ConfigError ? error.problems : undefined;
        const message = error instanceof Error ? error.message : String(error);
        logger.error('config reload failed; the previous config keeps serving', { error: message });
        return { ok: false, error: message, ...(problems && { problems }) };
      }
    };
    const next = (reloading ?? Promise.resolve()).then(run, run).then((result) => {
      for (const listener of reloadListeners) listener(result);
      return result;
    });
    reloading = next;
    return next;
  };

  let watcher: FSWatcher | undefined;
  if (configPath !== undefined && (options.watch ?? config.reload.watch))
    watcher = watchConfig(configPath, reload, logger);

  const status = (): object => ({
    pid: process.pid,
    url,
    draining: state.draining,
    routes: state.snapshot.routes.map((r) => r.stats.toJSON()),
    services: [...state.snapshot.services.values()].map((s) => s.status()),
    tunnels: tunnels.size,
  });
  const metricFamilies = () => collectGatewayMetrics(state.snapshot, counters);

  const backend: AdminBackend = {
    status: () => Promise.resolve(status()),
    metrics: () => Promise.resolve(renderFamilies(metricFamilies())),
    config: () => Promise.resolve(redactConfig(config) as object),
    reload,
  };
  const admin =
    config.admin !== undefined && options.noAdmin !== true
      ? await startAdminServer({ ...config.admin, backend })
      : undefined;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      state.draining = true;
      watcher?.close();
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      closeIdle(server, sessions);
      const deadline = new Promise<void>((resolve) =>
        setTimeout(resolve, config.limits.drainTimeout).unref(),
      );
      await Promise.race([drained, deadline]);
      for (const socket of sockets) socket.destroy();
      for (const tunnel of tunnels) tunnel.destroy();
      await admin?.close();
      for (const svc of state.snapshot.services.values()) svc.close();
      await closePolicies(state.snapshot);
      await pools.close(1_000);
      await redisConnection.close();
      accessLog?.flush();
    })());

  logger.info('gateway listening', { url, admin: admin?.url, routes: config.routes.length });
  return {
    url,
    port,
    adminUrl: admin?.url,
    snapshot: () => state.snapshot,
    reload,
    onReload(listener) {
      reloadListeners.add(listener);
      return () => reloadListeners.delete(listener);
    },
    status,
    metricFamilies,
    close,
  };
}

function requirePath(path: string | undefined): string {
  if (path === undefined) throw new TypeError('startGateway needs configPath or config');
  return path;
}

async function createListener(config: GatewayConfig): Promise<Server | Http2SecureServer> {
  const limits = config.limits;
  const common = {
    maxHeaderSize: limits.maxHeaderSize,
    requestTimeout: limits.requestTimeout,
    headersTimeout: limits.headersTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    // How often Node checks request and header deadlines (its 30 s default makes a 1 s
    // headersTimeout fire up to 30 s late).
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, limits.headersTimeout / 2)),
  };
  const tls = config.listen.tls;
  if (tls === undefined) return createServer(common);
  const [cert, key] = await Promise.all([readFile(tls.cert), readFile(tls.key)]);
  // allowHTTP1: one TLS listener speaks HTTP/2 or HTTP/1.1, chosen by ALPN.
  return createSecureServer({
    cert,
    key,
    minVersion: tls.minVersion,
    allowHTTP1: true,
    ALPNProtocols: config.listen.http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
    maxSessionMemory: 64,
    settings: { maxHeaderListSize: limits.maxHeaderSize },
    ...common,
  } as Parameters<typeof createSecureServer>[0]);
}

/**
 * Closes keep-alive connections that are idle now (busy ones close after their response), and
 * sends HTTP/2 sessions a GOAWAY so clients open no new streams.
 */
function closeIdle(server: Server | Http2SecureServer, sessions: Set<ServerHttp2Session>): void {
  if ('closeIdleConnections' in server) server.closeIdleConnections();
  for (const session of sessions) session.close();
}

function clientErrorCode(status: number): string {
  switch (status) {
    case 431:
      return 'SY_GW_HEADERS_TOO_LARGE';
    case 408:
      return 'SY_GW_REQUEST_TIMEOUT';
    case 413:
      return 'SY_GW_BODY_TOO_LARGE';
    default:
      return 'SY_GW_BAD_REQUEST';
  }
}

/**
 * Reloads when the file changes (debounced: editors write in several steps). The directory is
 * watched, not the file, because editors and `kubectl` replace the file with a new inode.
 */
export function watchConfig(
  path: string,
  reload: () => Promise<ReloadResult>,
  logger: Logger,
): FSWatcher | undefined {
  let timer: NodeJS.Timeout | undefined;
  const name = basename(path);
  try {
    const watcher = watch(dirname(resolve(path)), { persistent: false }, (_event, file) => {
      // Kubernetes ConfigMap volumes swap a `..data` symlink instead of writing the file.
      if (file !== null && file !== name && !file.startsWith('..')) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 150);
    });
    watcher.on('error', (error) => logger.warn('config watch failed', { error: String(error) }));
    return watcher;
  } catch (error) {
    logger.warn('cannot watch the config file; use SIGHUP or POST /reload', {
      error: String(error),
    });
    return undefined;
  }
}

/** Releases what a snapshot's policies hold (forward-auth connections, JWKS timers). */
async function closePolicies(snapshot: Snapshot): Promise<void> {
  for (const route of snapshot.routes) {
    for (const policy of route.policies ?? [])
      await Promise.resolve(policy.close?.()).catch(() => undefined);
  }
}
