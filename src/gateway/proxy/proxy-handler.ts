import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizePath, PathError } from '../router/index.js';
import type { PolicyContext } from '../policies/policy.js';
import { runPolicies } from '../policies/run-policies.js';
import { ageSeconds, type CachedResponse } from '../policies/cache/index.js';
import type { CompiledRoute } from '../runtime/compiled-route.js';
import type { Snapshot } from '../runtime/snapshot.js';
import { sendError, type GatewayErrorCode } from './error-response.js';
import { Exchange, type ExchangeListener } from './exchange.js';
import { hasRequestBody } from './request-body.js';
import { acceptableRequestId, upstreamHeaders, type Downstream } from './request-headers.js';
import { newRequestId } from '../../core/trace-context.js';

/** What the handler reads per request: the current snapshot (swapped by reloads). */
export interface ProxyState {
  snapshot: Snapshot;
  draining: boolean;
}

/** Called for requests the gateway answers itself (no route, bad path, too large…). */
export type LocalAnswerListener = (
  req: IncomingMessage,
  status: number,
  code: GatewayErrorCode,
  requestId: string,
  startedAt: number,
) => void;

/**
 * The downstream request listener: normalize the path, route, check limits, and hand the request
 * to an `Exchange`. Works for HTTP/1.1 and (through the compatibility API) HTTP/2.
 */
export function createProxyHandler(
  state: ProxyState,
  downstream: Downstream,
  onDone: ExchangeListener | undefined,
  onLocal: LocalAnswerListener | undefined,
  onInternalError?: (error: unknown) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    code: GatewayErrorCode,
    requestId: string,
    startedAt: number,
    status: number,
    detail?: string,
    close = false,
  ): void => {
    // `Connection` is an HTTP/1 header (HTTP/2 refuses it); closing there is the session's job.
    const headers = close && req.httpVersionMajor === 1 ? { connection: 'close' } : undefined;
    sendError(res, code, requestId, headers, detail);
    onLocal?.(req, status, code, requestId, startedAt);
  };

  // hot path: runs once per request.
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const startedAt = performance.now();
    const snapshot = state.snapshot;
    const requestId = acceptableRequestId(req.headers['x-request-id']) ?? newRequestId();
    if (state.draining && req.httpVersionMajor === 1) res.shouldKeepAlive = false;
    const target = normalizePath(req.url ?? '/');
    if (target instanceof PathError) {
      return answer(req, res, 'SY_GW_BAD_PATH', requestId, startedAt, 400, target.reason);
    }
    const host = req.headers.host ?? (req.headers[':authority'] as string | undefined);
    // A CORS preflight is routed as the request it announces (a GET-only route still gets it).
    const preflight =
      req.method === 'OPTIONS' ? req.headers['access-control-request-method'] : undefined;
    const method = typeof preflight === 'string' ? preflight.toUpperCase() : (req.method ?? 'GET');
    const match = snapshot.router.find(method, host, target.path, req.headers);
    if (match === undefined) {
      return answer(req, res, 'SY_GW_ROUTE_NOT_FOUND', requestId, startedAt, 404);
    }
    const route = match.data;
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > route.maxBodySize) {
      // Not reading a body we refuse: close the connection instead of draining it.
      return answer(req, res, 'SY_GW_BODY_TOO_LARGE', requestId, startedAt, 413, undefined, true);
    }
    const rewritten =
      route.rewritePath === null
        ? target.path
        : route.rewritePath(target.path, match.params, match.matchedPath);
    const path = target.query === '' ? rewritten : rewritten + target.query;
    if (route.policies === null && route.aggregator === null && route.cache === null) {
      // hot path: a plain proxied route allocates no closures for the optional phases.
      const headers = upstreamHeaders(req, downstream, requestId, route.requestHeaders);
      new Exchange(
        req,
        res,
        route,
        requestId,
        path,
        headers,
        hasRequestBody(req),
        onDone,
        startedAt,
      ).start();
      return;
    }
    const proceed = (
      extra: readonly [string, string][] | undefined,
      responseExtra?: string[],
    ): void => {
      const headers = upstreamHeaders(req, downstream, requestId, route.requestHeaders);
      if (extra !== undefined) for (const [name, value] of extra) headers.push(name, value);
      if (route.aggregator !== null) {
        runAggregate(route, req, res, match.params, headers, requestId, startedAt);
        return;
      }
      const exchange = new Exchange(
        req,
        res,
        route,
        requestId,
        path,
        headers,
        hasRequestBody(req),
        onDone,
        startedAt,
      );
      if (responseExtra !== undefined) exchange.responseExtra = responseExtra;
      const cache = route.cache;
      if (cache === null) return exchange.start();
      const key = cache.key(exchange.method, host ?? '', path, req.headers);
      if (key === undefined) return exchange.start();
      exchange.cacheKey = key;
      if (cache.bypassLookup(req.headers)) return exchange.start();
      const hit = cache.lookup(key);
      const serve = (entry: CachedResponse | undefined): void => {
        if (entry === undefined) return exchange.start();
        serveFromCache(route, req, res, entry, requestId, startedAt);
      };
      if (hit instanceof Promise) void hit.then(serve, () => exchange.start());
      else serve(hit);
    };
    if (route.policies === null) return proceed(undefined);
    const ctx: PolicyContext = {
      req,
      requestId,
      clientIp: snapshot.clientIp.resolve(req),
      upstreamHeaders: [],
    };
    runPolicies(route.policies, ctx).then(
      (result) => {
        if (res.destroyed || res.headersSent) return; // the client left while a policy waited
        if (result !== undefined) {
          const { status, headers, body } = result;
          if (status === 204) {
            // An answer without a body (a CORS preflight).
            res.writeHead(204, { 'x-request-id': requestId, ...headers });
            res.end();
            onLocal?.(req, 204, body.code as GatewayErrorCode, requestId, startedAt);
            return;
          }
          res.writeHead(status, {
            'content-type': 'application/json',
            'x-request-id': requestId,
            ...headers,
          });
          res.end(JSON.stringify({ error: { ...body, requestId } }));
          onLocal?.(req, status, body.code as GatewayErrorCode, requestId, startedAt);
          return;
        }
        proceed(ctx.upstreamHeaders, ctx.responseHeaders);
      },
      (error: unknown) => {
        onInternalError?.(error);
        answer(req, res, 'SY_GW_INTERNAL', requestId, startedAt, 500);
      },
    );
  };
  // A bug must cost one request a 500, never the process.
  return (req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      onInternalError?.(error);
      const requestId = acceptableRequestId(req.headers['x-request-id']) ?? newRequestId();
      answer(req, res, 'SY_GW_INTERNAL', requestId, performance.now(), 500);
    }
  };
}

/** Headers that describe the downstream request's body or connection, not a part's GET. */
const NOT_FOR_PARTS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'expect',
]);

/**
 * A BFF aggregation route: call every part (in parallel, each through its service) and answer
 * with one JSON document. The parts get the request's headers after policies ran (identity,
 * `X-Request-ID`, `traceparent`), minus body and host framing.
 */
function runAggregate(
  route: CompiledRoute,
  req: IncomingMessage,
  res: ServerResponse,
  params: Readonly<Record<string, string>>,
  headers: string[],
  requestId: string,
  startedAt: number,
): void {
  const forwarded: [string, string][] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!NOT_FOR_PARTS.has(headers[i]!.toLowerCase()))
      forwarded.push([headers[i]!, headers[i + 1]!]);
  }
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.on('close', onClose);
  req.resume(); // a GET's (empty) body is not needed
  route.stats.inflight++;
  void route
    .aggregator!.run({
      params: decodedParams(params),
      headers: forwarded,
      signal: controller.signal,
      ...(route.totalTimeout !== undefined && { deadlineMs: route.totalTimeout }),
    })
    .then((result) => {
      route.stats.inflight--;
      route.stats.record(result.status, performance.now() - startedAt);
      if (controller.signal.aborted || res.headersSent) return;
      const body = result.body as { error?: object };
      const payload =
        body.error !== undefined ? { ...body, error: { ...body.error, requestId } } : body;
      const text = JSON.stringify(payload);
      res.writeHead(result.status, {
        ...result.headers,
        'content-length': Buffer.byteLength(text),
        'x-request-id': requestId,
      });
      res.end(text);
    });
}

/** Route params are raw path segments; the aggregator encodes values itself, so decode once. */
function decodedParams(params: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(params)) {
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

/** Answers from the route's cache: the stored status, headers and body, with `Age` and `X-Cache`. */
function serveFromCache(
  route: CompiledRoute,
  req: IncomingMessage,
  res: ServerResponse,
  entry: CachedResponse,
  requestId: string,
  startedAt: number,
): void {
  if (res.destroyed || res.headersSent) return;
  const headers: string[] = [];
  for (const [name, value] of entry.headers) headers.push(name, value);
  headers.push(
    'age',
    String(ageSeconds(entry, route.cache!.clock.now())),
    'x-cache',
    'HIT',
    'x-request-id',
    requestId,
  );
  res.writeHead(entry.status, headers as unknown as Record<string, string>);
  res.end(req.method === 'HEAD' ? undefined : entry.body);
  route.stats.record(entry.status, performance.now() - startedAt);
}
