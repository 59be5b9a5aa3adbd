import type { IncomingMessage } from 'node:http';
import type { CompiledHeaderOps } from '../runtime/compiled-route.js';
import { connectionTokens, isDroppedRequestHeader } from './hop-by-hop.js';
import { parseTraceparent, traceparentAfter } from '../../core/trace-context.js';

/** What the gateway knows about the downstream connection. */
export interface Downstream {
  readonly proto: 'http' | 'https';
}

/**
 * The header list for the upstream request, as a flat [name, value…] array undici accepts:
 * the client's headers minus hop-by-hop ones and those the gateway owns, then the gateway's own
 * (`X-Forwarded-*`, `X-Request-ID`, `traceparent`), then the route's operations.
 *
 * hot path: one array per request, built in one pass over `rawHeaders`.
 */
export function upstreamHeaders(
  req: IncomingMessage,
  downstream: Downstream,
  requestId: string,
  ops: CompiledHeaderOps | undefined,
): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  const extra = connectionTokens(req.headers.connection);
  const parent = parseTraceparent(single(req.headers.traceparent));
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 58 /* ':' HTTP/2 pseudo-header */) continue;
    if (isDroppedRequestHeader(name)) continue;
    // W3C: a restarted trace must not carry the old trace's vendor state.
    if (parent === undefined && name.length === 10 && name.toLowerCase() === 'tracestate') continue;
    if (extra !== undefined || ops !== undefined) {
      const lower = name.toLowerCase();
      if (extra?.has(lower) === true || ops?.remove.has(lower) === true) continue;
    }
    out.push(name, raw[i + 1]!);
  }
  const host = req.headers.host ?? (req.headers[':authority'] as string | undefined);
  const clientIp = req.socket.remoteAddress ?? '';
  const prior = joined(req.headers['x-forwarded-for']);
  // The route's `set`/`remove` of a header the gateway owns replaces the gateway's value.
  const skip = ops?.remove;
  if (host !== undefined) {
    if (skip?.has('host') !== true) out.push('host', host);
    if (skip?.has('x-forwarded-host') !== true) out.push('x-forwarded-host', host);
  }
  if (skip === undefined) {
    out.push(
      'x-forwarded-for',
      prior === undefined || prior === '' ? clientIp : `${prior}, ${clientIp}`,
      'x-forwarded-proto',
      downstream.proto,
      'x-request-id',
      requestId,
      'traceparent',
      traceparentAfter(parent),
    );
  } else {
    const own: [string, () => string][] = [
      [
        'x-forwarded-for',
        () => (prior === undefined || prior === '' ? clientIp : `${prior}, ${clientIp}`),
      ],
      ['x-forwarded-proto', () => downstream.proto],
      ['x-request-id', () => requestId],
      ['traceparent', () => traceparentAfter(parent)],
    ];
    for (const [name, value] of own) if (!skip.has(name)) out.push(name, value());
  }
  if (ops !== undefined) for (const v of ops.append) out.push(v);
  return out;
}

/** The client's `X-Request-ID` when it is sane (1–128 visible ASCII chars), else undefined. */
export function acceptableRequestId(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) return undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return undefined;
  }
  return value;
}

/** A header that must appear once: a repeated one counts as absent (e.g. an invalid trace). */
export function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A header that may repeat, as one comma-separated value. */
export function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
