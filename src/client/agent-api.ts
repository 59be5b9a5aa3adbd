import { Pool } from 'undici';
import { TimeoutError } from '../resilience/index.js';
import type { RegistryTarget } from './registry-address.js';

/** A registry answer: its status and (up to 16 KiB of) its body text. */
export interface AgentAnswer {
  readonly status: number;
  readonly text: string;
}

const MAX_ANSWER_BYTES = 16 * 1024;

/**
 * The few Consul agent endpoints the SDK calls (register, deregister, TTL pass, read one
 * service), over one keep-alive undici pool. Every call is bounded by `timeoutMs` (connect, then
 * headers, then body), so a registry that hangs fails the call instead of stalling the service;
 * transport failures reject with undici's error (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`,
 * `HPE_INVALID_CONSTANT` for a peer that is not speaking HTTP…). Non-2xx statuses resolve: the
 * caller decides what a 404 means.
 *
 * @example
 * const api = new AgentApi(resolveRegistryTarget({}), 5_000);
 * const { status } = await api.put('/v1/agent/check/pass/service%3Aweb-1');
 */
export class AgentApi {
  readonly #target: RegistryTarget;
  readonly #timeoutMs: number;
  readonly #pool: Pool;
  readonly #inflight = new Set<AbortController>();
  #closed = false;

  constructor(target: RegistryTarget, timeoutMs: number) {
    this.#target = target;
    this.#timeoutMs = timeoutMs;
    this.#pool = new Pool(target.origin, {
      connections: 4,
      connect: { timeout: timeoutMs },
      keepAliveTimeout: 30_000,
    });
  }

  get address(): string {
    return this.#target.address;
  }

  put(path: string, body?: unknown): Promise<AgentAnswer> {
    return this.#call('PUT', path, body === undefined ? undefined : JSON.stringify(body));
  }

  get(path: string): Promise<AgentAnswer> {
    return this.#call('GET', path, undefined);
  }

  /** Aborts calls in flight and closes the connections; later calls reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const controller of this.#inflight) controller.abort();
    await this.#pool.destroy().catch(() => undefined);
  }

  async #call(method: string, path: string, body: string | undefined): Promise<AgentAnswer> {
    if (this.#closed) throw new Error('registry client closed');
    const controller = new AbortController();
    this.#inflight.add(controller);
    // undici's own timeouts tick every ~0.5 s; this one is exact and covers the body too
    const timer = setTimeout(
      () => controller.abort(new TimeoutError(this.#timeoutMs)),
      this.#timeoutMs,
    );
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#target.token !== undefined) headers['x-consul-token'] = this.#target.token;
    try {
      const res = await this.#pool.request({
        method,
        path: this.#target.pathPrefix + path,
        headers,
        body,
        signal: controller.signal,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      return { status: res.statusCode, text: await readCapped(res.body) };
    } finally {
      clearTimeout(timer);
      this.#inflight.delete(controller);
    }
  }
}

/** Reads at most `MAX_ANSWER_BYTES` of a body (a garbage registry may stream forever). */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_ANSWER_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}
