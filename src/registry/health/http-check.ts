import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CheckDefinition, HealthStatus } from '../catalog/model.js';
import type { ProbeResult } from './check-scheduler.js';

/** Check output is capped like Consul's `OutputMaxSize` (4 KB). */
export const OUTPUT_MAX_CHARS = 4096;
// Go's http.Client stops after 10 redirects; Consul's HTTP checks inherit that.
const MAX_REDIRECTS = 10;
// What Consul's HTTP check sends unless the definition overrides it.
const DEFAULT_HEADERS: OutgoingHttpHeaders = {
  'user-agent': 'Consul Health Check',
  accept: 'text/plain, text/*, */*',
};

interface Exchange {
  readonly url: URL;
  readonly method: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body: string | undefined;
  readonly rejectUnauthorized: boolean;
  readonly signal: AbortSignal;
}

interface Answer {
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly body: string;
}

/**
 * Probes `definition.http` once, as Consul's HTTP check does: 2xx is passing, 429 warning, any
 * other status, a connection error or an aborted `signal` (the scheduler's timeout) critical.
 * Output: `HTTP GET <url>: 200 OK Output: <body>`, capped at 4 KB. Each probe opens its own
 * connection (no keep-alive, like Consul), so a probe never rides on a pooled socket that hides a
 * listener that stopped accepting.
 *
 * @example
 * const result = await httpProbe({ ...definition, http: 'http://127.0.0.1:8080/health' }, signal);
 * result.status; // 'passing'
 */
export async function httpProbe(
  definition: CheckDefinition,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const method = (definition.method || 'GET').toUpperCase();
  const target = definition.http ?? '';
  const label = `HTTP ${method} ${target}`;
  try {
    const answer = await follow({
      url: new URL(target),
      method,
      headers: headersFor(definition),
      body: definition.body || undefined,
      rejectUnauthorized: definition.tlsSkipVerify !== true,
      signal,
    });
    const status = statusFor(answer.statusCode);
    const output = `${label}: ${answer.statusCode} ${answer.statusMessage} Output: ${answer.body}`;
    return { status, output: output.slice(0, OUTPUT_MAX_CHARS) };
  } catch (error) {
    const reason: unknown = signal.aborted ? signal.reason : error;
    const message = reason instanceof Error ? reason.message : String(reason);
    return { status: 'critical', output: `${label}: ${message}`.slice(0, OUTPUT_MAX_CHARS) };
  }
}

/** Consul's mapping from an HTTP status code to a check status. */
export function statusFor(statusCode: number): HealthStatus {
  if (statusCode >= 200 && statusCode < 300) return 'passing';
  return statusCode === 429 ? 'warning' : 'critical';
}

async function follow(first: Exchange): Promise<Answer> {
  let exchange = first;
  for (let hops = 0; ; hops++) {
    const response = await send(exchange);
    const location = response.headers.location;
    if (!isRedirect(response.statusCode) || location === undefined) return readAnswer(response);
    response.on('error', ignore).resume(); // discard the redirect's body so its socket closes
    if (hops === MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
    exchange = redirected(exchange, response.statusCode ?? 0, new URL(location, exchange.url));
  }
}

function send(exchange: Exchange): Promise<IncomingMessage> {
  const { url } = exchange;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new Error(`unsupported protocol scheme "${url.protocol}"`));
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: exchange.method,
      headers: exchange.headers,
      signal: exchange.signal,
      agent: false,
      rejectUnauthorized: exchange.rejectUnauthorized,
    });
    req.once('response', resolve);
    // `on`, not `once`: an abort after the response arrived errors the request a second time
    req.on('error', reject);
    req.end(exchange.body);
  });
}

/** The first 4 KB of the body is enough for the output; the rest is not read. */
function readAnswer(response: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      response.off('data', onData);
      resolve({
        statusCode: response.statusCode ?? 0,
        statusMessage: response.statusMessage ?? '',
        body: Buffer.concat(chunks).toString('utf8', 0, Math.min(size, OUTPUT_MAX_CHARS)),
      });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size < OUTPUT_MAX_CHARS) return;
      done();
      response.destroy();
    };
    response.on('data', onData);
    response.once('end', done);
    response.on('error', reject);
  });
}

function isRedirect(statusCode: number | undefined): boolean {
  return (
    statusCode === 301 ||
    statusCode === 302 ||
    statusCode === 303 ||
    statusCode === 307 ||
    statusCode === 308
  );
}

/** Go's rules: 301/302/303 become a bodiless GET, 307/308 repeat the request as it was. */
function redirected(previous: Exchange, statusCode: number, url: URL): Exchange {
  const keep = statusCode === 307 || statusCode === 308 || previous.method === 'HEAD';
  const headers = { ...previous.headers };
  if (url.host !== previous.url.host) {
    // credentials meant for one host are not sent to another (Go drops them too)
    delete headers.authorization;
    delete headers.cookie;
    delete headers.host;
  }
  if (!keep) delete headers['content-length'];
  return {
    ...previous,
    url,
    headers,
    method: keep ? previous.method : 'GET',
    body: keep ? previous.body : undefined,
  };
}

function headersFor(definition: CheckDefinition): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ...DEFAULT_HEADERS };
  for (const [name, values] of Object.entries(definition.header ?? {})) {
    if (values.length > 0)
      headers[name.toLowerCase()] = values.length === 1 ? values[0] : [...values];
  }
  if (definition.body) headers['content-length'] ??= Buffer.byteLength(definition.body);
  return headers;
}

function ignore(): void {}
