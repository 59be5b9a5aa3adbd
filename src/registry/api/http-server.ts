import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { createLogger, type Logger } from '../../core/logger.js';
import type { Catalog } from '../catalog/catalog.js';
import {
  BadRequestError,
  hasControlCharacters,
  InvalidHttpOptionError,
  MethodNotAllowedError,
  PermissionDeniedError,
  UnknownEndpointError,
} from './api-errors.js';
import { agentRoutes } from './consul/agent-routes.js';
import { catalogRoutes } from './consul/catalog-routes.js';
import { HealthAnswers } from './consul/health-answers.js';
import { healthRoutes } from './consul/health-routes.js';
import { kvRoutes } from './consul/kv-routes.js';
import { statusRoutes } from './consul/status-routes.js';
import { Exchange, type HttpContext } from './exchange.js';
import { RouteTable, type Method, type RouteHandler } from './route-table.js';
import { streamRoutes } from './stream-routes.js';
import { tokenCheck, type TokenCheck } from './token-auth.js';

export interface RegistryHttpOptions {
  readonly catalog: Catalog;
  /** Default 127.0.0.1: the API is loopback-only unless you say otherwise. */
  readonly host?: string;
  /** Default 8500 (Consul's); 0 picks a free port. */
  readonly port?: number;
  /** When set, every write needs it (`X-Consul-Token` or `Authorization: Bearer`). */
  readonly token?: string | undefined;
  /** With `token`, reads need it too. */
  readonly requireTokenForReads?: boolean;
  /** Largest request body, KV values included (default 512 KiB, Consul's KV value limit). */
  readonly maxBodyBytes?: number;
  /** Largest request head (default 16 KiB); larger gets a 431. */
  readonly maxHeaderBytes?: number;
  /** Most blocking queries and streams held open at once (default 16384); beyond, 429. */
  readonly maxWatchers?: number;
  /** Push-stream heartbeat period (default 15 s). */
  readonly streamHeartbeatMs?: number;
  /** Served at `GET /metrics` (a read) when set; a prom-client `Registry` fits. */
  readonly metrics?: MetricsEndpoint;
  readonly logger?: Logger;
}

/** Prometheus text and its content type, rendered when scraped. */
export interface MetricsEndpoint {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** A running registry HTTP API. */
export interface RegistryHttp {
  readonly port: number;
  /** `http://host:port` (IPv6 hosts in brackets). */
  readonly url: string;
  readonly server: Server;
  /** Blocking queries and streams held open now, and the cap (live; read by the metrics). */
  readonly watchers: { readonly active: number; readonly limit: number };
  /** Stops accepting, answers held blocking queries, ends streams, then closes every connection. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 2000;
const MAX_PARAM = 2048;

/**
 * Starts the registry's HTTP API: the Consul-compatible subset (agent, health, catalog, KV,
 * status) plus the push stream, over `catalog`.
 *
 * @example
 * const api = await startRegistryHttp({ catalog, port: 0 });
 * await fetch(`${api.url}/v1/health/service/web?passing`);
 * await api.close();
 */
export async function startRegistryHttp(options: RegistryHttpOptions): Promise<RegistryHttp> {
  const ctx = context(options);
  const table = routes(options.metrics);
  const auth = tokenCheck(options.token);
  const readsNeedToken = auth !== null && options.requireTokenForReads === true;
  const server = createServer(
    {
      maxHeaderSize: positiveInt('maxHeaderBytes', options.maxHeaderBytes, 16 * 1024),
      requestTimeout: 60_000,
      headersTimeout: 20_000,
    },
    (req, res) => dispatch(ctx, table, auth, readsNeedToken, req, res),
  );
  server.on('clientError', onClientError);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8500, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    server,
    watchers: ctx.watchers,
    close: () => (closing ??= shutdown(server, ctx)),
  };
}

/** hot path: one route lookup, the token check if any, then the handler — no await of its own. */
function dispatch(
  ctx: HttpContext,
  table: RouteTable,
  auth: TokenCheck | null,
  readsNeedToken: boolean,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const x = new Exchange(ctx, req, res, q < 0 ? '' : url.slice(q + 1));
  if (ctx.closing) res.shouldKeepAlive = false;
  try {
    const match = table.match(path);
    if (!match) throw new UnknownEndpointError(path);
    const method = (req.method === 'HEAD' ? 'GET' : req.method) as Method;
    const entry = match.route.methods[method];
    if (!entry) throw new MethodNotAllowedError(req.method ?? '', match.route.allow);
    if (auth && (entry.write || readsNeedToken) && !auth(req)) throw new PermissionDeniedError();
    if (match.rawParam !== '') x.param = decodeParam(match.rawParam);
    const pending = entry.handler(x);
    if (pending) pending.catch((error: unknown) => x.fail(error));
  } catch (error) {
    x.fail(error);
  }
}

/** Percent-decodes a path parameter (`cfg%2Fa` → `cfg/a`, `service%3Aweb` → `service:web`). */
function decodeParam(raw: string): string {
  let value: string;
  try {
    value = raw.includes('%') ? decodeURIComponent(raw) : raw;
  } catch {
    throw new BadRequestError('Invalid path: malformed percent-encoding');
  }
  if (value.length > MAX_PARAM) {
    throw new BadRequestError(`Invalid path: parameter too long (max ${MAX_PARAM} characters)`);
  }
  if (hasControlCharacters(value))
    throw new BadRequestError('Invalid path: contains control characters (e.g. NUL)');
  return value;
}

/** Malformed requests the HTTP parser refuses get a short plain-text answer, then the socket closes. */
function onClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : 400;
  const message =
    status === 431
      ? 'Request headers too large'
      : status === 408
        ? 'Request timeout'
        : 'Malformed HTTP request';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${message.length}\r\nConnection: close\r\n\r\n${message}`,
  );
}

function routes(metrics: MetricsEndpoint | undefined): RouteTable {
  const table = new RouteTable();
  if (metrics) table.add('GET', '/metrics', metricsRoute(metrics));
  agentRoutes(table);
  healthRoutes(table);
  catalogRoutes(table);
  kvRoutes(table);
  statusRoutes(table);
  streamRoutes(table);
  return table;
}

/** Prometheus scrapes: rendered from the live objects on each request, never cached. */
function metricsRoute(endpoint: MetricsEndpoint): RouteHandler {
  return async (x) => {
    const text = await endpoint.metrics();
    x.res.writeHead(200, {
      'Content-Type': endpoint.contentType,
      'Content-Length': Buffer.byteLength(text),
    });
    x.res.end(text);
  };
}

function context(options: RegistryHttpOptions): HttpContext {
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '')) {
    throw new InvalidHttpOptionError('token', 'must be a non-empty string when set');
  }
  if (options.requireTokenForReads && options.token === undefined) {
    throw new InvalidHttpOptionError('requireTokenForReads', 'needs a token');
  }
  return {
    catalog: options.catalog,
    health: new HealthAnswers(options.catalog),
    logger: options.logger ?? createLogger('registry-http'),
    maxBodyBytes: positiveInt('maxBodyBytes', options.maxBodyBytes, 512 * 1024),
    watchers: { active: 0, limit: positiveInt('maxWatchers', options.maxWatchers, 16_384) },
    streamHeartbeatMs: positiveInt('streamHeartbeatMs', options.streamHeartbeatMs, 15_000),
    random: Math.random,
    held: new Set(),
    closing: false,
  };
}

function positiveInt(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidHttpOptionError(option, `expected a positive integer, got ${String(value)}`);
  }
  return value;
}

async function shutdown(server: Server, ctx: HttpContext): Promise<void> {
  ctx.closing = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const release of [...ctx.held]) release();
  server.closeIdleConnections();
  // Answers to held queries go out on the next ticks; then idle keep-alive sockets can go.
  setImmediate(() => server.closeIdleConnections());
  const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
  force.unref();
  await closed;
  clearTimeout(force);
}
