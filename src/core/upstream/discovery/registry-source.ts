import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';
import { exponentialBackoff, type Backoff } from '../../../resilience/backoff.js';
import type { TimerHandle } from '../../../resilience/clock.js';
import { BaseEndpointSource } from './base-endpoint-source.js';
import { endpointsFromHealth, type HealthFilter } from './consul-health.js';
import { DiscoveryError, describeError } from './discovery-errors.js';
import type { EndpointSource } from './endpoint-source.js';
import { QueryPacer } from './query-pacer.js';
import {
  registrySourceSettings,
  type RegistrySourceOptions,
  type RegistrySourceSettings,
} from './registry-source-options.js';

/** Text of a bad answer quoted in errors; enough to recognize an HTML page or a proxy's message. */
const SNIPPET = 120;

/**
 * Watches one service with Consul blocking queries on `GET /v1/health/service/:name`, so a
 * change arrives as soon as the registry commits it (no polling delay). Follows Consul's client
 * rules: the index comes from `X-Consul-Index`, is reset to 0 when it goes backwards and is
 * never sent as 0 once known; the loop is paced by a token bucket (burst 2).
 *
 * Failure: a registry that is down, answers garbage or hangs (each request is aborted after
 * wait + wait/16 + `timeoutSlackMs`) leaves the last good list in place, marks the source
 * `stale` with the reason, and retries with full-jitter exponential backoff from
 * `retryInitialMs` to `retryMaxMs`. The cap defaults to 1 s on purpose: a restarted registry
 * is picked up within about a second, and a failed probe of a down registry costs one refused
 * connection. After a failure the next query is sent without an index, so it answers at once
 * (a restarted registry may count from a lower index and would otherwise hold it).
 *
 * @example
 * const web = registrySource({ address: 'http://127.0.0.1:8500', service: 'web', tags: ['v2'] });
 * await web.ready(5_000);
 * web.onUpdate((endpoints) => pool.update(endpoints));
 * // later: web.close();
 */
export function registrySource(options: RegistrySourceOptions): EndpointSource {
  return new RegistrySource(registrySourceSettings(options));
}

class RegistrySource extends BaseEndpointSource {
  readonly #s: RegistrySourceSettings;
  readonly #filter: HealthFilter;
  readonly #backoff: Backoff;
  readonly #pacer: QueryPacer;
  readonly #headers: Record<string, string>;
  /** The last good `X-Consul-Index` (0: none, so the next query answers at once). */
  #index = 0n;
  readonly #dispatcher: Dispatcher;
  /** The agent this source made (closed with it); undefined when the caller gave a dispatcher. */
  readonly #agent: Agent | undefined;
  #request: AbortController | undefined;
  #sleep: { timer: TimerHandle; wake: () => void } | undefined;

  constructor(settings: RegistrySourceSettings) {
    super(settings.logger);
    this.#s = settings;
    this.#filter = { passingOnly: settings.passingOnly, tags: settings.tags, meta: settings.meta };
    this.#backoff = exponentialBackoff({
      initial: settings.retryInitialMs,
      max: settings.retryMaxMs,
      jitter: 'full',
    });
    this.#pacer = new QueryPacer(settings.clock, 2, settings.queryIntervalMs);
    // A private agent: the held query never takes a slot of a shared pool, and close() destroys
    // every socket (Node 20's global fetch can reconnect after an abort, leaving a socket that
    // delays the registry's shutdown by its close grace).
    this.#agent = settings.dispatcher ? undefined : new Agent({ connections: 2 });
    this.#dispatcher = settings.dispatcher ?? this.#agent!;
    this.#headers = { accept: 'application/json' };
    if (settings.token !== undefined) this.#headers['x-consul-token'] = settings.token;
    this.#run().catch((error: unknown) => {
      this.logger.error('registry source loop failed (a bug)', { error: describeError(error) });
    });
  }

  protected stop(): void {
    this.#request?.abort(new DiscoveryError('SY_DISCOVERY_UNREACHABLE', 'source closed'));
    this.#agent?.destroy().catch(() => {});
    if (this.#sleep) {
      this.#s.clock.clearTimeout(this.#sleep.timer);
      this.#sleep.wake();
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    let previousMs = 0;
    while (!this.closed) {
      const paceMs = this.#pacer.take();
      if (paceMs > 0) await this.#pause(paceMs);
      if (this.closed) return;
      try {
        await this.#query();
        failures = 0;
        previousMs = 0;
      } catch (error) {
        if (this.closed) return;
        this.#index = 0n;
        this.reject(describeError(error), { service: this.#s.service, code: codeOf(error) });
        previousMs = this.#backoff.next({ retry: ++failures, previousMs, random: this.#s.random });
        await this.#pause(previousMs);
      }
    }
  }

  /** One blocking query: throws a `DiscoveryError` for anything but a usable answer. */
  async #query(): Promise<void> {
    const s = this.#s;
    const controller = new AbortController();
    this.#request = controller;
    const url = this.#url();
    const timer = s.clock.setTimeout(() => {
      const message = `registry did not answer within ${Math.round(s.timeoutMs)} ms`;
      controller.abort(new DiscoveryError('SY_DISCOVERY_TIMEOUT', message, { url }));
    }, s.timeoutMs);
    try {
      let answer: Answer;
      try {
        const response = await request(url, {
          dispatcher: this.#dispatcher,
          headers: this.#headers,
          signal: controller.signal,
          // Our own timer bounds the request: undici's defaults (300 s) would cut a held query.
          headersTimeout: 0,
          bodyTimeout: 0,
        });
        const text = await response.body.text();
        answer = { status: response.statusCode, headers: response.headers, text };
      } catch (error) {
        throw failure(error, controller.signal, url);
      }
      this.#apply(answer);
    } finally {
      s.clock.clearTimeout(timer);
      this.#request = undefined;
    }
  }

  #apply({ status, headers, text }: Answer): void {
    if (status < 200 || status > 299) {
      throw new DiscoveryError(
        'SY_DISCOVERY_BAD_STATUS',
        `registry answered ${status} ${STATUS_CODES[status] ?? ''}: ${snippet(text)}`,
        { status },
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      const type = header(headers, 'content-type') ?? 'no content-type';
      throw new DiscoveryError(
        'SY_DISCOVERY_BAD_ANSWER',
        `registry answer is not JSON (${type}): ${snippet(text)}`,
        { contentType: type },
      );
    }
    const { endpoints, skipped } = endpointsFromHealth(body, this.#filter);
    const index = parseIndex(header(headers, 'x-consul-index'));
    if (skipped.length > 0) {
      this.logger.warn('registry instances skipped', { service: this.#s.service, skipped });
    }
    // Consul: an index that goes backwards (restore, new registry) restarts from 0; one of 0 is a
    // server bug, and 1 keeps the next query blocking instead of spinning.
    this.#index = index < this.#index ? 0n : index === 0n ? 1n : index;
    this.accept(endpoints, index.toString());
  }

  #url(): string {
    const s = this.#s;
    const q = new URLSearchParams();
    if (s.passingOnly) q.set('passing', 'true');
    for (const tag of s.tags) q.append('tag', tag);
    if (s.datacenter !== undefined) q.set('dc', s.datacenter);
    if (this.#index > 0n) q.set('index', this.#index.toString());
    q.set('wait', `${Math.ceil(s.waitMs)}ms`);
    return `${s.baseUrl}/v1/health/service/${encodeURIComponent(s.service)}?${q.toString()}`;
  }

  /** Waits `ms` on the source's clock; `close()` ends the wait at once. */
  #pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.#sleep = undefined;
        resolve();
      };
      this.#sleep = { timer: this.#s.clock.setTimeout(wake, ms), wake };
    });
  }
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseIndex(header: string | undefined): bigint {
  if (header === undefined) {
    throw new DiscoveryError(
      'SY_DISCOVERY_BAD_ANSWER',
      'registry answer has no X-Consul-Index header: not a Consul health endpoint',
    );
  }
  if (!/^\d{1,20}$/.test(header.trim())) {
    throw new DiscoveryError(
      'SY_DISCOVERY_BAD_ANSWER',
      `registry answer has a malformed X-Consul-Index ${JSON.stringify(snippet(header))}`,
    );
  }
  return BigInt(header.trim());
}

/** A fetch or body-read failure as a `DiscoveryError` (our own abort reasons pass through). */
function failure(error: unknown, signal: AbortSignal, url: string): DiscoveryError {
  if (signal.aborted && signal.reason instanceof DiscoveryError) return signal.reason;
  if (error instanceof DiscoveryError) return error;
  const detail = describeError(error);
  return new DiscoveryError(
    'SY_DISCOVERY_UNREACHABLE',
    `registry request failed: ${detail}`,
    { url },
    error,
  );
}

function codeOf(error: unknown): string | undefined {
  return error instanceof DiscoveryError ? error.code : undefined;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}…` : flat || '(empty body)';
}
