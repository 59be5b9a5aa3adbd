import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { requestFinished, requestStarted } from '../../core/upstream/balancer.js';
import type { Endpoint } from '../../core/upstream/endpoint.js';
import type { CircuitPermit } from '../../resilience/index.js';
import type { CompiledRoute } from '../runtime/compiled-route.js';
import { sendError, type GatewayErrorCode } from './error-response.js';
import { connectionTokens, isDroppedResponseHeader } from './hop-by-hop.js';
import { BodyTooLargeError, limitedBody } from './request-body.js';
import { classifyFailure, failureCode, type FailureKind } from './upstream-failure.js';

/** Methods that may be retried without the route opting in (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Called once per finished exchange (access log, metrics). */
export type ExchangeListener = (exchange: Exchange) => void;

/**
 * One downstream request's journey to an upstream: pick an endpoint, send, stream the answer
 * back, retry what may be retried, and account for the outcome (breaker, outlier detection,
 * balancer counters, route stats).
 *
 * hot path: one object per request plus one `Attempt` per try; callbacks, not promises.
 */
export class Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly route: CompiledRoute;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly headers: string[];
  readonly startedAt: number;
  readonly #body: boolean;
  readonly #hashKey: string | undefined;
  readonly #onDone: ExchangeListener | undefined;
  tries = 0;
  status = 0;
  /** Headers the route's policies add to the response (e.g. `RateLimit-*`), flat pairs. */
  responseExtra: string[] | undefined;
  /** Set when the route caches and this request may be stored. */
  cacheKey: string | undefined;
  #capture:
    { chunks: Buffer[]; size: number; ttlMs: number; headers: [string, string][] } | undefined;
  endpoint: Endpoint | undefined;
  errorCode: GatewayErrorCode | undefined;
  #attempt: Attempt | undefined;
  #timer: NodeJS.Timeout | undefined;
  #done = false;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    route: CompiledRoute,
    requestId: string,
    path: string,
    headers: string[],
    hasBody: boolean,
    onDone: ExchangeListener | undefined,
    startedAt: number,
  ) {
    this.req = req;
    this.res = res;
    this.route = route;
    this.requestId = requestId;
    this.method = req.method ?? 'GET';
    this.path = path;
    this.headers = headers;
    this.#body = hasBody;
    this.#hashKey = route.hashKey?.(req);
    this.#onDone = onDone;
    this.startedAt = startedAt;
  }

  start(): void {
    this.route.stats.inflight++;
    // 'close' fires once; `on` avoids the wrapper closure `once` allocates.
    this.res.on('close', this.#onClientClose);
    this.route.retry?.budget.recordRequest();
    if (this.route.totalTimeout !== undefined) {
      this.#timer = setTimeout(() => this.#onTotalTimeout(), this.route.totalTimeout);
    }
    this.#try();
  }

  /** Sends the next try, or answers with the reason no try can be made. */
  #try(): void {
    if (this.#done) return;
    const service = this.route.service;
    const endpoint = service.balancer.pick(this.#hashKey, this.endpoint);
    if (endpoint === undefined) return this.#fail('SY_GW_NO_ENDPOINTS');
    let permit: CircuitPermit | Error = 0;
    if (service.breaker !== undefined) {
      permit = service.breaker.acquire();
      if (permit instanceof Error) {
        const retryAfterMs = (permit as { retryAfterMs?: number }).retryAfterMs;
        const headers =
          retryAfterMs !== undefined && Number.isFinite(retryAfterMs)
            ? { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) }
            : undefined;
        return this.#fail('SY_GW_CIRCUIT_OPEN', headers);
      }
    }
    this.tries++;
    this.endpoint = endpoint;
    const attempt = new Attempt(this, endpoint, permit);
    this.#attempt = attempt;
    requestStarted(endpoint);
    const retry = this.route.retry;
    const read =
      retry?.perTryTimeout !== undefined
        ? Math.min(retry.perTryTimeout, this.route.readTimeout)
        : this.route.readTimeout;
    const body = this.#body
      ? this.req.headers['content-length'] === undefined
        ? // undici streams async iterables; its types list only Readable
          (limitedBody(this.req, this.route.maxBodySize) as unknown as IncomingMessage)
        : this.req
      : null;
    this.route.pools.get(endpoint).dispatch(
      {
        path: this.path,
        method: this.method,
        headers: this.headers,
        body,
        headersTimeout: read,
        bodyTimeout: this.route.readTimeout,
      },
      attempt,
    );
  }

  /** Whether a failed try may be followed by another (never once the response began). */
  canRetry(kind: FailureKind | 'status'): boolean {
    const retry = this.route.retry;
    if (retry === undefined || this.#done || this.res.headersSent) return false;
    if (this.tries >= retry.attempts || this.#body) return false;
    if (!retry.nonIdempotent && !IDEMPOTENT.has(this.method)) return false;
    const wanted =
      kind === 'status' ||
      (kind === 'connect' && retry.onConnect) ||
      (kind === 'reset' && retry.onReset) ||
      (kind === 'timeout' && retry.onTimeout);
    return wanted && retry.budget.tryAcquireRetry();
  }

  /** True when this status should be retried rather than returned. */
  retryableStatus(status: number): boolean {
    const retry = this.route.retry;
    if (retry === undefined) return false;
    const wanted = (status >= 500 && retry.on5xx) || retry.statuses.has(status);
    return wanted && this.canRetry('status');
  }

  retryLater(): void {
    const retry = this.route.retry!;
    this.route.stats.retries++;
    const cap = Math.min(retry.maxMs, retry.baseMs * 2 ** (this.tries - 1));
    const delay = Math.random() * cap; // full jitter (AWS), so retries from many clients spread
    this.#timer = setTimeout(() => this.#retryNow(), delay);
  }

  #retryNow(): void {
    this.#timer = undefined;
    if (this.route.totalTimeout !== undefined && !this.#done) {
      this.#timer = setTimeout(() => this.#onTotalTimeout(), this.#remainingTotal());
    }
    this.#try();
  }

  #remainingTotal(): number {
    return Math.max(0, this.route.totalTimeout! - (performance.now() - this.startedAt));
  }

  /** The upstream's status line and headers arrived and will be forwarded. */
  respond(status: number, raw: Buffer[]): void {
    this.status = status;
    const out: string[] = [];
    let extra: Set<string> | undefined;
    let hasRequestId = false;
    const ops = this.route.responseHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toString('latin1');
      const lower = name.toLowerCase();
      if (isDroppedResponseHeader(lower)) {
        if (lower === 'connection') extra = connectionTokens(raw[i + 1]!.toString('latin1'));
        continue;
      }
      if (ops !== undefined && ops.remove.has(lower)) continue;
      if (lower === 'x-request-id') hasRequestId = true;
      out.push(name, raw[i + 1]!.toString('latin1'));
    }
    if (extra !== undefined) {
      for (let i = out.length - 2; i >= 0; i -= 2) {
        if (extra.has(out[i]!.toLowerCase())) out.splice(i, 2);
      }
    }
    if (this.cacheKey !== undefined) this.#startCapture(status, out);
    if (!hasRequestId) out.push('x-request-id', this.requestId);
    if (this.responseExtra !== undefined) for (const v of this.responseExtra) out.push(v);
    if (ops !== undefined) for (const v of ops.append) out.push(v);
    if (this.req.httpVersionMajor === 2) {
      this.res.writeHead(status, pairsToObject(out));
    } else {
      this.res.writeHead(status, out as unknown as Record<string, string>);
    }
  }

  #startCapture(status: number, out: string[]): void {
    const cache = this.route.cache!;
    const record: Record<string, string> = {};
    const headers: [string, string][] = [];
    for (let i = 0; i < out.length; i += 2) {
      const lower = out[i]!.toLowerCase();
      record[lower] =
        record[lower] === undefined ? out[i + 1]! : `${record[lower]}, ${out[i + 1]!}`;
      if (lower !== 'x-request-id' && lower !== 'x-cache') headers.push([out[i]!, out[i + 1]!]);
    }
    const ttlMs = cache.shouldStore(this.method, this.req.headers, status, record);
    if (ttlMs > 0) this.#capture = { chunks: [], size: 0, ttlMs, headers };
    out.push('x-cache', 'MISS');
  }

  /** Keeps a copy of a body chunk for the cache (until it grows past the cache's limit). */
  capture(chunk: Buffer): void {
    const capture = this.#capture;
    if (capture === undefined) return;
    capture.size += chunk.length;
    if (capture.size > this.route.cache!.maxBodyBytes) this.#capture = undefined;
    else capture.chunks.push(Buffer.from(chunk)); // undici may reuse the chunk's memory
  }

  /** The whole answer went out: store it. */
  storeCapture(): void {
    const capture = this.#capture;
    if (capture === undefined || this.cacheKey === undefined) return;
    this.#capture = undefined;
    void this.route.cache!.store(this.cacheKey, {
      status: this.status,
      headers: capture.headers,
      body: Buffer.concat(capture.chunks, capture.size),
      ttlMs: capture.ttlMs,
    });
  }

  /** The try ended in an error that is not retried: answer, or cut a response already begun. */
  failWith(kind: FailureKind, error: unknown): void {
    if (error instanceof BodyTooLargeError) {
      // The rest of the body is not read: close the connection rather than drain it.
      return this.#fail(
        'SY_GW_BODY_TOO_LARGE',
        this.req.httpVersionMajor === 1 ? { connection: 'close' } : undefined,
      );
    }
    this.#fail(failureCode(kind));
  }

  #fail(code: GatewayErrorCode, headers?: Record<string, string>): void {
    if (this.#done) return;
    this.errorCode = code;
    if (!this.res.headersSent) this.status = statusOf(code);
    sendError(this.res, code, this.requestId, headers);
    this.finish();
  }

  /** Called once when the exchange is over (success, failure or client gone). */
  finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.route.stats.inflight--;
    this.route.stats.record(
      this.status === 0 ? 499 : this.status,
      performance.now() - this.startedAt,
    );
    this.#onDone?.(this);
  }

  /** Ends the current try's accounting: balancer counters, outlier detection, breaker. */
  settle(attempt: Attempt, failure: FailureKind | '5xx' | undefined): void {
    const endpoint = attempt.endpoint;
    const now = performance.now();
    requestFinished(endpoint, now - attempt.startedAt, now);
    const service = this.route.service;
    if (failure === undefined) service.outlier?.success(endpoint);
    else service.outlier?.failure(endpoint, failure === 'bad-response' ? '5xx' : failure);
    if (service.breaker !== undefined) {
      service.breaker.settle(attempt.permit, failure !== undefined, now - attempt.startedAt);
    }
    if (this.#attempt === attempt) this.#attempt = undefined;
  }

  get done(): boolean {
    return this.#done;
  }

  readonly #onClientClose = (): void => {
    if (this.#done) return;
    // The client went away before the answer was complete: stop the upstream work too.
    this.#attempt?.cancel();
    this.finish();
  };

  #onTotalTimeout(): void {
    this.#timer = undefined;
    if (this.#done) return;
    this.#attempt?.cancel();
    this.#fail('SY_GW_UPSTREAM_TIMEOUT');
  }
}

function statusOf(code: GatewayErrorCode): number {
  switch (code) {
    case 'SY_GW_NO_ENDPOINTS':
    case 'SY_GW_CIRCUIT_OPEN':
      return 503;
    case 'SY_GW_UPSTREAM_TIMEOUT':
      return 504;
    case 'SY_GW_BODY_TOO_LARGE':
      return 413;
    default:
      return 502;
  }
}

function pairsToObject(pairs: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < pairs.length; i += 2) {
    const name = pairs[i]!.toLowerCase();
    const value = pairs[i + 1]!;
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** One try of an exchange against one endpoint: the undici dispatch handler. */
class Attempt implements Dispatcher.DispatchHandler {
  readonly exchange: Exchange;
  readonly endpoint: Endpoint;
  readonly permit: CircuitPermit;
  readonly startedAt: number;
  #abort: ((reason?: Error) => void) | undefined;
  /** This try's answer is being thrown away for a retry (its error callback is expected). */
  #discarded = false;
  #cancelled = false;
  #settled = false;
  #resume: (() => void) | undefined;

  constructor(exchange: Exchange, endpoint: Endpoint, permit: CircuitPermit) {
    this.exchange = exchange;
    this.endpoint = endpoint;
    this.permit = permit;
    // hot path: the first try starts when the request did (a clock read costs ~70 ns here).
    this.startedAt = exchange.tries === 1 ? exchange.startedAt : performance.now();
  }

  cancel(): void {
    this.#cancelled = true;
    this.#abort?.();
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
    if (this.#cancelled || this.exchange.done) abort();
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    const exchange = this.exchange;
    if (this.#cancelled || exchange.done) return false;
    if (status >= 500 || exchange.route.retry?.statuses.has(status) === true) {
      if (exchange.retryableStatus(status)) {
        this.#settle(status >= 500 ? '5xx' : undefined);
        this.#discarded = true;
        this.#abort?.();
        exchange.retryLater();
        return false;
      }
    }
    this.#settle(status >= 500 ? '5xx' : undefined);
    exchange.respond(status, raw);
    this.#resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#cancelled || this.exchange.done) return false;
    this.exchange.capture(chunk);
    const res = this.exchange.res;
    if (res.write(chunk)) return true;
    // Backpressure: pause the upstream until the client drains.
    res.once('drain', (this.#onDrain ??= () => this.#resume?.()));
    return false;
  }

  #onDrain: (() => void) | undefined;

  onComplete(): void {
    const exchange = this.exchange;
    if (this.#cancelled || exchange.done) return;
    exchange.res.end();
    exchange.storeCapture();
    exchange.finish();
  }

  onError(error: Error): void {
    if (this.#discarded) return;
    const exchange = this.exchange;
    const kind = classifyFailure(error);
    if (this.#cancelled || exchange.done) {
      this.#settle(undefined);
      return;
    }
    if (exchange.res.headersSent) {
      // Mid-body failure: too late to retry or to answer; cut the client's response.
      this.#settle(kind);
      exchange.res.destroy();
      exchange.finish();
      return;
    }
    const fromBody = error instanceof BodyTooLargeError;
    this.#settle(fromBody ? undefined : kind);
    if (!fromBody && exchange.canRetry(kind)) return exchange.retryLater();
    exchange.failWith(kind, error);
  }

  #settle(failure: FailureKind | '5xx' | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    this.exchange.settle(this, failure);
  }
}
