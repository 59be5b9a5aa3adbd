import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSwitchyardError } from '../../core/errors.js';
import { randomId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Catalog } from '../catalog/catalog.js';
import type { HealthAnswers } from './consul/health-answers.js';
import { BadRequestError, clip, MethodNotAllowedError } from './api-errors.js';
import { CLOSE_CONNECTION, parseJsonBody, readBody } from './request-body.js';

/** Server-wide settings every request sees; built once when the server starts. */
export interface HttpContext {
  readonly catalog: Catalog;
  /** Health answers as cached JSON text, shared by the health routes and the push stream. */
  readonly health: HealthAnswers;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** Blocking queries and streams held open right now, and the cap. */
  readonly watchers: { active: number; readonly limit: number };
  readonly streamHeartbeatMs: number;
  /** Jitter source for blocking waits (injectable so tests can pin it). */
  readonly random: () => number;
  /** Closers of held requests (blocking queries, streams), run when the server shuts down. */
  readonly held: Set<() => void>;
  /** Set once shutdown starts: answers then close their connection. */
  closing: boolean;
}

const PLAIN = 'text/plain; charset=utf-8';

/**
 * One request and its response, with the helpers every route uses: query flags Consul-style,
 * body reading under the cap, JSON answers with the `X-Consul-*` headers, and error answers as
 * Consul gives them (plain text, the right status, a request ID that matches the log line).
 */
export class Exchange {
  #query: URLSearchParams | undefined;
  #held: AbortController | undefined;
  #release: (() => void) | undefined;
  #clientLeft = false;

  constructor(
    readonly ctx: HttpContext,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly queryString: string,
  ) {}

  /** The decoded path rest after the route prefix ('' for exact routes); set by the server. */
  param = '';

  get catalog(): Catalog {
    return this.ctx.catalog;
  }

  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.queryString));
  }

  /** The path parameter, which must be present (Consul: "Missing service name"). */
  requiredParam(what: string): string {
    if (this.param === '') throw new BadRequestError(`Missing ${what}`);
    return this.param;
  }

  /**
   * A Consul query flag: present (`?passing`, `=true`, `=1`) is true, `=false`/`=0` is false,
   * absent is false; anything else is a 400 naming the flag.
   */
  flag(name: string): boolean {
    if (this.queryString === '') return false;
    const value = this.query.get(name);
    if (value === null) return false;
    if (value === '' || value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new BadRequestError(
      `?${name}: expected true or false, got ${JSON.stringify(clip(value, 40))}`,
    );
  }

  /**
   * For a held request (a blocking query): aborts when the client hangs up (then `clientLeft` is
   * true and nothing should be sent) or when the server shuts down (then answer at once).
   */
  holdSignal(): AbortSignal {
    if (!this.#held) {
      const held = (this.#held = new AbortController());
      const release = (this.#release = () => {
        this.res.shouldKeepAlive = false;
        held.abort();
      });
      this.ctx.held.add(release);
      this.res.once('close', () => {
        this.ctx.held.delete(release);
        if (!this.res.writableFinished) {
          this.#clientLeft = true;
          held.abort();
        }
      });
    }
    return this.#held.signal;
  }

  /** Ends the hold: a shutdown no longer needs to release this request. */
  endHold(): void {
    if (this.#release) this.ctx.held.delete(this.#release);
  }

  /** True once the client hung up before its answer was sent. */
  get clientLeft(): boolean {
    return this.#clientLeft;
  }

  /** The raw body, at most `maxBytes` (default: the server's cap). */
  body(maxBytes = this.ctx.maxBodyBytes): Promise<Buffer> {
    return readBody(this.req, maxBytes);
  }

  async jsonBody(): Promise<unknown> {
    return parseJsonBody(await this.body());
  }

  /** Sends JSON already serialized (so answers can be cached as text or bytes). */
  sendJson(json: string | Buffer, index: number, status = 200): void {
    this.res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': typeof json === 'string' ? Buffer.byteLength(json) : json.length,
      'X-Consul-Index': String(index),
      'X-Consul-KnownLeader': 'true',
      'X-Consul-LastContact': '0',
    });
    this.res.end(json);
  }

  /** Serializes `value` and sends it; writes answer with the catalog's current index. */
  send(value: unknown, index = this.catalog.index): void {
    this.sendJson(JSON.stringify(value), index);
  }

  /** An empty answer with the index headers (Consul's 404 for a missing KV key, for one). */
  sendEmpty(status: number, index: number): void {
    this.res.writeHead(status, {
      'Content-Length': 0,
      'X-Consul-Index': String(index),
      'X-Consul-KnownLeader': 'true',
      'X-Consul-LastContact': '0',
    });
    this.res.end();
  }

  /** Answers with an error: its status and message for our own errors, a logged 500 otherwise. */
  fail(error: unknown): void {
    const res = this.res;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const requestId = randomId(6);
    const known = isSwitchyardError(error) ? (error as { status?: unknown }).status : undefined;
    let status = typeof known === 'number' && known >= 400 && known < 500 ? known : 500;
    let message = (error as Error).message;
    const code = isSwitchyardError(error) ? error.code : 'SY_REG_HTTP_INTERNAL';
    if (code === 'SY_REG_STORE_CLOSED') {
      status = 503;
      message = 'Registry is shutting down';
    } else if (status === 500) {
      this.ctx.logger.error('registry API request failed', {
        requestId,
        method: this.req.method,
        path: clip(this.req.url ?? ''),
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      message = `Internal error (request ${requestId})`;
    } else {
      this.ctx.logger.debug('registry API request refused', { requestId, status, code, message });
    }
    const headers: Record<string, string | number> = {
      'Content-Type': PLAIN,
      'Content-Length': Buffer.byteLength(message),
      'X-Consul-Index': String(this.catalog.index),
      'X-Request-Id': requestId,
      'X-Switchyard-Error': code,
    };
    if (error instanceof MethodNotAllowedError) headers.Allow = error.allow;
    if ((error as { [CLOSE_CONNECTION]?: boolean } | null)?.[CLOSE_CONNECTION]) {
      headers.Connection = 'close';
    }
    res.writeHead(status, headers);
    res.end(message);
  }
}
