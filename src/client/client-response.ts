import { STATUS_CODES } from 'node:http';
import type { Dispatcher } from 'undici';

type RawHeaders = Dispatcher.ResponseData['headers'];
type RawBody = Dispatcher.ResponseData['body'];

/**
 * The fetch `Response` a service call resolves to, built over undici's response without copying:
 * `status`, `ok`, `headers`, `text()`, `json()`, `arrayBuffer()`, `blob()`, `bytes()`,
 * `formData()`, `body` (a web `ReadableStream`), `bodyUsed` and `clone()` behave as fetch's.
 *
 * hot path: constructing a real `Response` costs ~30–60 µs on Node 20 (a web stream plus a
 * `Headers` copy), more than the rest of a call. Here the constructor stores five fields; the
 * `Headers` object is built on first read, and `clone()` (rare) switches to a real `Response`.
 * Code that needs `instanceof Response` can call `toResponse()`.
 *
 * @example
 * const res = await payments.fetch('/charge', { method: 'POST', body });
 * if (!res.ok) throw new Error(`payments answered ${res.status}`);
 * const receipt = await res.json();
 */
export class ClientResponse implements Response {
  readonly status: number;
  readonly #origin: string;
  readonly #path: string;
  #raw: RawHeaders;
  #headers: Headers | undefined;
  #body: RawBody;
  #real: Response | undefined;

  /** @internal Built by the service client from undici's answer. */
  constructor(status: number, headers: RawHeaders, body: RawBody, origin: string, path: string) {
    this.status = status;
    this.#raw = headers;
    this.#body = body;
    this.#origin = origin;
    this.#path = path;
  }

  /** The instance's origin and the path (joined on read, not per call). */
  get url(): string {
    return this.#origin + this.#path;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get statusText(): string {
    return STATUS_CODES[this.status] ?? '';
  }

  get redirected(): boolean {
    return false;
  }

  get type(): ResponseType {
    return 'basic';
  }

  get headers(): Headers {
    if (this.#real !== undefined) return this.#real.headers;
    if (this.#headers === undefined) {
      const headers = new Headers();
      const raw = this.#raw;
      for (const name in raw) {
        const value = raw[name];
        if (typeof value === 'string') headers.append(name, value);
        else if (value !== undefined) for (const v of value) headers.append(name, v);
      }
      this.#headers = headers;
    }
    return this.#headers;
  }

  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (this.#real !== undefined) return this.#real.body;
    if (nullBody(this.status)) return null;
    return this.#body.body as unknown as ReadableStream<Uint8Array<ArrayBuffer>>;
  }

  get bodyUsed(): boolean {
    return this.#real !== undefined ? this.#real.bodyUsed : this.#body.bodyUsed;
  }

  text(): Promise<string> {
    return this.#real !== undefined ? this.#real.text() : this.#body.text();
  }

  json(): Promise<unknown> {
    return this.#real !== undefined ? this.#real.json() : this.#body.json();
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#real !== undefined ? this.#real.arrayBuffer() : this.#body.arrayBuffer();
  }

  blob(): Promise<Blob> {
    return this.#real !== undefined ? this.#real.blob() : (this.#body.blob() as Promise<Blob>);
  }

  bytes(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.#real !== undefined) return this.#real.bytes();
    return this.#body.bytes() as Promise<Uint8Array<ArrayBuffer>>;
  }

  formData(): Promise<FormData> {
    return this.toResponse().formData();
  }

  clone(): Response {
    return this.toResponse().clone();
  }

  /** A real fetch `Response` holding this one's body; this object reads through it afterwards. */
  toResponse(): Response {
    if (this.#real === undefined) {
      const body = nullBody(this.status) ? null : (this.#body.body as unknown as ReadableStream);
      this.#real = new Response(body, {
        status: this.status,
        statusText: this.statusText,
        headers: this.headers,
      });
      this.#headers = undefined;
    }
    return this.#real;
  }

  /** @internal Reads and drops the body so the connection can be reused (a failed try). */
  discard(): void {
    if (this.#real === undefined) this.#body.dump().catch(() => undefined);
  }
}

/** Statuses that never carry a body; `new Response()` refuses one for them. */
function nullBody(status: number): boolean {
  return status === 204 || status === 205 || status === 304;
}
