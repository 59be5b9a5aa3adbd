import { Readable } from 'node:stream';

/** A request body: what fetch takes, minus FormData (serialize it first). */
export type ServiceBody =
  | string
  | ArrayBuffer
  | ArrayBufferView
  | URLSearchParams
  | Blob
  | ReadableStream<Uint8Array>
  | Readable
  | AsyncIterable<Uint8Array>
  | null;

/** The fetch `RequestInit` subset a service call takes, plus the SDK's own fields. */
export interface ServiceFetchInit {
  /** Default `GET`. */
  readonly method?: string;
  readonly headers?: HeadersInit;
  readonly body?: ServiceBody;
  readonly signal?: AbortSignal | null;
  /**
   * Sent as `Idempotency-Key`; it also makes a POST or PATCH safe to retry (the server must
   * deduplicate by it). Idempotent methods are retried without one.
   */
  readonly idempotencyKey?: string;
  /** The key a `consistent-hash` balancer routes by (a user or cart id). */
  readonly hashKey?: string;
}

/** A call's request, normalized once before the first try (`prepareRequest` fills it). */
export interface RequestParts {
  method: string;
  /** undici's flat `[name, value, name, value…]` form, without `traceparent`; `NO_HEADERS` if none. */
  headers: string[];
  body: string | Uint8Array | Blob | Readable | AsyncIterable<Uint8Array> | null;
  /** False for stream bodies, which can be sent only once. */
  replayable: boolean;
  /** The caller's `traceparent`, if any (parsed later). */
  traceparent: string | undefined;
  hasContentType: boolean;
}

/** The shared empty header list of calls that pass no headers (never pushed to). */
export const NO_HEADERS: string[] = Object.freeze([]) as unknown as string[];

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Fresh, empty request parts: a GET with no headers and no body. */
export function emptyRequest(): RequestParts {
  return {
    method: 'GET',
    headers: NO_HEADERS,
    body: null,
    replayable: true,
    traceparent: undefined,
    hasContentType: false,
  };
}

function push(r: RequestParts, name: string, value: string): void {
  if (r.headers === NO_HEADERS) r.headers = [];
  r.headers.push(name, value);
}

function addHeader(r: RequestParts, name: string, value: string): void {
  const lower = name.toLowerCase();
  if (lower === 'traceparent') {
    r.traceparent = value;
    return;
  }
  if (lower === 'content-type') r.hasContentType = true;
  push(r, name, value);
}

/**
 * Normalizes a `ServiceFetchInit` for undici into `into` (a call object, so a call allocates no
 * separate request): upper-case method, flat header list (the caller's `traceparent` is taken out
 * to be re-issued per try), `Idempotency-Key`, and a body undici can send (an `ArrayBuffer`
 * becomes a view, `URLSearchParams` a string with its content type).
 *
 * hot path: no allocation for a call without headers or body; a plain-object `headers` is walked
 * in place.
 */
export function prepareRequest<T extends RequestParts>(
  init: ServiceFetchInit | undefined,
  into: T,
): T {
  const r = into;
  if (init === undefined) return r;
  r.method = methodOf(init.method);
  const h = init.headers;
  if (h !== undefined) {
    if (h instanceof Headers) for (const [name, value] of h) addHeader(r, name, value);
    else if (Array.isArray(h)) for (const [name, value] of h) addHeader(r, name, value);
    else for (const name in h) addHeader(r, name, h[name]!);
  }
  const key = init.idempotencyKey;
  if (key !== undefined) {
    if (typeof key !== 'string' || key === '') {
      throw new TypeError('idempotencyKey must be a non-empty string');
    }
    push(r, 'idempotency-key', key);
  }
  if (init.body !== undefined && init.body !== null) setBody(r, init.body);
  return r;
}

function setBody(r: RequestParts, body: NonNullable<ServiceBody>): void {
  if (typeof body === 'string' || body instanceof Uint8Array) {
    r.body = body;
  } else if (body instanceof URLSearchParams) {
    if (!r.hasContentType) {
      push(r, 'content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    }
    r.body = body.toString();
  } else if (body instanceof ArrayBuffer) {
    r.body = new Uint8Array(body);
  } else if (ArrayBuffer.isView(body)) {
    r.body = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  } else if (body instanceof Blob) {
    if (!r.hasContentType && body.type !== '') push(r, 'content-type', body.type);
    r.body = body;
  } else if (body instanceof ReadableStream) {
    r.body = Readable.fromWeb(body as never);
    r.replayable = false;
  } else if (body instanceof Readable || Symbol.asyncIterator in body) {
    r.body = body;
    r.replayable = false;
  } else {
    throw new TypeError(`unsupported body type ${Object.prototype.toString.call(body)}`);
  }
}

function methodOf(value: string | undefined): string {
  if (value === undefined) return 'GET';
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw new TypeError(`invalid HTTP method ${JSON.stringify(value)}`);
  }
  const upper = value.toUpperCase();
  if (upper === 'CONNECT' || upper === 'TRACK') throw new TypeError(`method ${upper} not allowed`);
  // fetch normalizes only these to upper case; others are sent as given
  return NORMALIZED.has(upper) ? upper : value;
}

const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH']);

/** Methods RFC 9110 defines as idempotent: retried on failure without an idempotency key. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
  'TRACE',
]);
