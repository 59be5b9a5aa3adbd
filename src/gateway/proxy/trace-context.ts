import { randomFillSync } from 'node:crypto';

/**
 * W3C Trace Context (`traceparent: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`).
 * The gateway continues a valid incoming trace with a new span id, or starts a new trace when the
 * header is absent or invalid (an invalid header must not be propagated).
 */

// hot path: ids come from a refilled random pool as hex, one string slice per id, no per-call
// crypto call.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolHex = '';
let offset = 0;

function randomHex(chars: number): string {
  if (offset + chars > poolHex.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    poolHex = pool.toString('hex');
    offset = 0;
  }
  const out = poolHex.slice(offset, offset + chars);
  offset += chars;
  return out;
}

const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';

function isLowerHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** The trace id of a valid `traceparent`, or `undefined` when it is absent or invalid. */
export function parseTraceparent(
  value: string | undefined,
): { traceId: string; flags: string } | undefined {
  if (value === undefined || value.length < 55) return undefined;
  if (value.charCodeAt(2) !== 45 || value.charCodeAt(35) !== 45 || value.charCodeAt(52) !== 45) {
    return undefined;
  }
  const version = value.slice(0, 2);
  if (!isLowerHex(value, 0, 2) || version === 'ff') return undefined;
  // Version 00 is exactly 55 chars; later versions may append fields after another dash.
  if (version === '00' ? value.length !== 55 : value.length > 55 && value.charCodeAt(55) !== 45) {
    return undefined;
  }
  if (!isLowerHex(value, 3, 35) || !isLowerHex(value, 36, 52) || !isLowerHex(value, 53, 55)) {
    return undefined;
  }
  const traceId = value.slice(3, 35);
  if (traceId === ZERO_TRACE || value.slice(36, 52) === ZERO_SPAN) return undefined;
  return { traceId, flags: value.slice(53, 55) };
}

/** The `traceparent` to send upstream: the incoming trace continued, or a new sampled one. */
export function nextTraceparent(incoming: string | undefined): string {
  return traceparentAfter(parseTraceparent(incoming));
}

/** The `traceparent` to send upstream given the parsed incoming one (`undefined`: start anew). */
export function traceparentAfter(parent: { traceId: string; flags: string } | undefined): string {
  if (parent === undefined) return `00-${randomHex(32)}-${randomHex(16)}-01`;
  return `00-${parent.traceId}-${randomHex(16)}-${parent.flags}`;
}

/** A new request id (32 hex chars), used when the client sent no `X-Request-ID`. */
export function newRequestId(): string {
  return randomHex(32);
}
