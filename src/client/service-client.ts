import type { Dispatcher } from 'undici';
import type { Clock, Logger } from '../core/index.js';
import { requestFinished, requestStarted } from '../core/upstream/balancer.js';
import type { SourceStatus } from '../core/upstream/discovery/index.js';
import type { Endpoint } from '../core/upstream/endpoint.js';
import { DeadlineQueue } from '../resilience/deadline-queue.js';
import {
  CancelledError,
  fallback as fallbackPolicy,
  retry,
  wrap,
  type FallbackPolicy,
  type Policy,
} from '../resilience/index.js';
import { ClientError } from './client-errors.js';
import { ClientResponse } from './client-response.js';
import type { EndpointPool } from './endpoint-pool.js';
import type { ServiceFetchInit } from './request-init.js';
import { CallDeadline, ServiceCall, type TryRunner } from './service-call.js';
import type { ServiceSettings } from './service-options.js';
import { TryDeadlines } from './try-deadline.js';
import { TryFailure, classify } from './try-failure.js';

/** One endpoint as `service.endpoints()` reports it. */
export interface EndpointState {
  readonly id: string;
  readonly url: string;
  readonly inflight: number;
  readonly ewmaMs: number;
  readonly ejected: boolean;
}

/**
 * A client for one service: `fetch(path, init)` picks an instance from the discovery cache with
 * the balancer, calls it directly over a keep-alive undici pool, and applies the resilience
 * policies: `wrap(bulkhead, retry, circuitBreaker)` around each try, a fallback outside, and the
 * per-try and total deadlines (see `TryDeadline` and `ServiceCall`). Retried: idempotent methods (and POST/PATCH with an `idempotencyKey`) after a connect
 * failure, reset, timeout or 5xx; any method after a failure that proves the request never left
 * (connection refused, connect timeout, no endpoint). Each retry prefers another endpoint.
 *
 * @example
 * const payments = sy.service('payment-service', { timeout: '2s', retries: { attempts: 3 } });
 * const res = await payments.fetch('/charge', { method: 'POST', body, idempotencyKey: orderId });
 */
export class ServiceClient implements TryRunner {
  readonly name: string;
  readonly #s: ServiceSettings;
  readonly #pool: EndpointPool;
  readonly #clock: Clock;
  readonly #policy: Policy;
  readonly #fallback: FallbackPolicy<Response> | undefined;
  readonly #deadlines: TryDeadlines;
  readonly #totals: DeadlineQueue<CallDeadline> | undefined;
  readonly #onRemove: () => void;
  #closed = false;

  /** @internal Built by `sy.service()`. */
  constructor(
    name: string,
    settings: ServiceSettings,
    pool: EndpointPool,
    deps: { clock: Clock; logger: Logger; onClose: () => void },
  ) {
    this.name = name;
    this.#s = settings;
    this.#pool = pool;
    this.#clock = deps.clock;
    this.#onRemove = deps.onClose;
    this.#deadlines = new TryDeadlines(deps.clock, settings.timeoutMs);
    this.#totals =
      settings.totalTimeoutMs === undefined ? undefined : new DeadlineQueue(deps.clock);
    const layers: Policy[] = [];
    if (settings.bulkhead) layers.push(settings.bulkhead);
    if (settings.attempts > 1) {
      const policy = retry({
        maxAttempts: settings.attempts,
        backoff: settings.backoff,
        isRetryable: isRetryableTry,
        retryAfter: false,
        ...(settings.budget && { budget: settings.budget }),
      });
      // the response of a failed try is dropped: read its body off so the connection is reused
      policy.onRetry(({ error }) => (error as TryFailure | undefined)?.response?.discard());
      layers.push(policy);
    }
    if (settings.breaker) layers.push(settings.breaker);
    this.#policy = wrap(...layers);
    this.#fallback = fallbackOf(settings.fallback);
  }

  /**
   * Sends a request to one instance of the service; resolves to a fetch-compatible `Response`
   * (a 5xx that survived the retries included), rejects with `SY_CLIENT_NO_ENDPOINTS`,
   * `SY_CLIENT_UPSTREAM_FAILED`, or a resilience error (circuit open, bulkhead full, timeout,
   * cancelled).
   */
  fetch(path: string, init?: ServiceFetchInit): Promise<Response> {
    if (this.#fallback === undefined) return this.#call(path, init);
    return this.#fallback.execute(() => this.#call(path, init));
  }

  /** Resolves true once discovery has answered (false after `timeoutMs`). */
  ready(timeoutMs?: number): Promise<boolean> {
    return this.#pool.source.ready(timeoutMs);
  }

  /** The discovery source's state: `starting`, `ok` or `stale` (serving the last known list). */
  status(): SourceStatus {
    return this.#pool.source.status();
  }

  /** The instances discovery knows, with their live counters. */
  endpoints(): EndpointState[] {
    const outliers = this.#pool.outliers;
    return this.#pool.endpoints().map((ep) => ({
      id: ep.id,
      url: ep.url,
      inflight: ep.inflight,
      ewmaMs: ep.ewmaMs,
      ejected: outliers?.isEjected(ep) ?? false,
    }));
  }

  /** Stops discovery and closes the connections once requests in flight finish. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onRemove();
    await this.#pool.close();
  }

  // hot path: per call one prepared request, one call object, the policy chain, one response.
  #call(path: string, init: ServiceFetchInit | undefined): Promise<Response> {
    if (this.#closed) {
      return Promise.reject(new ClientError('SY_CLIENT_CLOSED', `service ${this.name}: closed`));
    }
    let call: ServiceCall;
    try {
      if (typeof path !== 'string' || path.charCodeAt(0) !== 47 /* / */) {
        throw new TypeError(`path must start with "/", got ${JSON.stringify(path)}`);
      }
      call = new ServiceCall(this, path, init);
    } catch (error) {
      return Promise.reject(error);
    }
    if (call.userSignal?.aborted) return Promise.reject(new CancelledError(call.userSignal.reason));
    const totals = this.#totals;
    if (totals === undefined && call.userSignal === undefined) {
      return this.#policy.execute(call.run).then(undefined, (e: unknown) => this.#settle(call, e));
    }
    if (totals !== undefined) {
      const ms = this.#s.totalTimeoutMs!;
      call.total = new CallDeadline(this.#clock.now() + ms, call, ms);
      totals.add(call.total);
    }
    return this.#policy.execute(call.run, call).then(
      (response) => {
        call.done();
        return response;
      },
      (error: unknown) => {
        call.done();
        return this.#settle(call, error);
      },
    );
  }

  /** One try: pick an endpoint (another than the last try's), send, classify the outcome. */
  async try(call: ServiceCall): Promise<ClientResponse> {
    if (call.timedOut !== undefined) {
      throw call.record(new TryFailure('timeout', undefined, false, call.timedOut));
    }
    const pool = this.#pool;
    const endpoint =
      pool.balancer.pick(call.hashKey, call.tried) ?? (await this.#awaitEndpoint(call));
    call.tried = endpoint;
    const headers = call.headersForTry();
    const deadline = this.#deadlines.start();
    call.currentTry = deadline;
    if (call.userSignal !== undefined) deadline.follow(call.userSignal);
    requestStarted(endpoint);
    const started = this.#clock.now();
    let data: Dispatcher.ResponseData;
    try {
      data = await pool.dispatcherOf(endpoint).request({
        path: call.path,
        method: call.method,
        headers,
        // undici also sends Blob and async-iterable bodies; its types list only the common ones
        body: call.body as Dispatcher.DispatchOptions['body'],
        signal: deadline,
      });
    } catch (error) {
      deadline.settle();
      const now = this.#clock.now();
      requestFinished(endpoint, now - started, now);
      throw this.#failed(call, endpoint, error);
    }
    deadline.settle();
    const now = this.#clock.now();
    requestFinished(endpoint, now - started, now);
    const status = data.statusCode;
    const response = new ClientResponse(status, data.headers, data.body, endpoint.url, call.path);
    if (status >= 500) pool.outliers?.failure(endpoint, '5xx');
    else pool.outliers?.success(endpoint);
    if (this.#s.failedStatus[status] === true) {
      throw call.record(new TryFailure('status', endpoint, call.idempotent, undefined, response));
    }
    return response;
  }

  #failed(call: ServiceCall, endpoint: Endpoint, error: unknown): TryFailure {
    if (call.timedOut !== undefined) {
      return call.record(new TryFailure('timeout', endpoint, false, call.timedOut));
    }
    const kind = call.userSignal?.aborted ? 'cancelled' : classify(error);
    if (kind === 'connect' || kind === 'reset' || kind === 'timeout') {
      this.#pool.outliers?.failure(endpoint, kind);
    }
    // a refused or timed-out connect never sent the request: safe to retry whatever the method
    const retryable =
      kind === 'connect'
        ? call.replayable
        : kind !== 'cancelled' && kind !== 'other' && call.idempotent;
    return call.record(new TryFailure(kind, endpoint, retryable, error));
  }

  /** No endpoint to pick: wait for discovery's first answer, else fail (retryably). */
  async #awaitEndpoint(call: ServiceCall): Promise<Endpoint> {
    const source = this.#pool.source;
    if (source.current() === undefined) {
      await source.ready(this.#s.discoveryTimeoutMs);
      const endpoint = this.#pool.balancer.pick(call.hashKey, call.tried);
      if (endpoint !== undefined) return endpoint;
    }
    const status = source.status();
    const why =
      source.current() === undefined
        ? `discovery has not answered after ${this.#s.discoveryTimeoutMs} ms${
            status.lastError === undefined ? '' : `: ${status.lastError}`
          }`
        : status.state === 'stale'
          ? `no instance in the last known list (registry unreachable: ${status.lastError})`
          : 'no instance is registered and passing';
    const error = new ClientError('SY_CLIENT_NO_ENDPOINTS', `service ${this.name}: ${why}`, {
      status: 503,
      details: { service: this.name, discovery: status.state, lastError: status.lastError },
    });
    throw call.record(new TryFailure('no-endpoints', undefined, call.replayable, error));
  }

  /** Turns what the policies rejected with into the caller's answer. */
  #settle(call: ServiceCall, error: unknown): Response {
    // a final 5xx is an answer, as in fetch
    if (error instanceof TryFailure && error.response !== undefined) return error.response;
    if (call.timedOut !== undefined) throw call.timedOut;
    const user = call.userSignal;
    if (user?.aborted) throw new CancelledError(user.reason);
    if (!(error instanceof TryFailure)) throw error;
    if (error.kind === 'no-endpoints') throw error.cause;
    throw new ClientError(
      'SY_CLIENT_UPSTREAM_FAILED',
      `service ${this.name}: ${call.tries === 1 ? 'the call' : `all ${call.tries} tries`} failed: ${call.failures?.join('; ')}`,
      {
        status: 502,
        details: { service: this.name, attempts: call.tries, reason: error.kind },
        cause: error.cause,
      },
    );
  }
}

function isRetryableTry(error: unknown): boolean {
  return error instanceof TryFailure && error.retryable;
}

function fallbackOf(value: ServiceSettings['fallback']): FallbackPolicy<Response> | undefined {
  if (value === undefined) return undefined;
  const factory = value instanceof Response ? () => value.clone() : value;
  return fallbackPolicy<Response>(factory, {
    isResultFailure: (r) => (r as Response).status >= 500,
  });
}
