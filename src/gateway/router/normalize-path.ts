import { SwitchyardError } from '../../core/errors.js';

/**
 * Request-path normalization: the one canonical form the router matches and the proxy forwards,
 * so the route a request is checked against and the path the upstream sees cannot disagree
 * (the classic `/public/..%2fadmin` bypass).
 *
 * Encoded slashes (`%2F`, `%5C`) and raw backslashes are REJECTED. The options other proxies
 * offer: NGINX decodes `%2F` to `/` for matching (and may forward either form); Envoy's
 * `path_with_escaped_slashes_action` is KEEP_UNCHANGED by default, or REJECT_REQUEST,
 * UNESCAPE_AND_FORWARD, UNESCAPE_AND_REDIRECT. Keeping them makes the router and a decoding
 * upstream see different segment boundaries; unescaping changes what the upstream receives.
 * Rejecting is the only choice that is safe for every upstream, and legitimate clients almost
 * never send them.
 */

/** Why a request-target was refused; the proxy answers 400 `SY_GW_BAD_PATH` with it. */
export type PathErrorReason =
  /** not `/…`, not `http(s)://…`, not `*` (e.g. empty, or `api/users`) */
  | 'not-origin-form'
  /** `*` (OPTIONS server-wide): nothing to route */
  | 'asterisk-form'
  /** an absolute-form target with another scheme or a malformed authority */
  | 'bad-absolute-form'
  /** `%2F` or `%5C` in the path */
  | 'encoded-slash'
  /** a raw `\` in the path */
  | 'backslash'
  /** a control character, space or DEL (raw), or `%00` */
  | 'control-char'
  /** `%` not followed by two hex digits */
  | 'bad-percent-encoding'
  /** a character above U+00FF (HTTP delivers bytes as Latin-1, so only a program can send one) */
  | 'invalid-char'
  /** `#`: a fragment never belongs in a request-target */
  | 'fragment';

/** A request-target the gateway refuses to route: HTTP 400, code `SY_GW_BAD_PATH`. */
export class PathError extends SwitchyardError {
  readonly reason: PathErrorReason;

  constructor(reason: PathErrorReason) {
    super('SY_GW_BAD_PATH', `bad request path: ${reason}`, { status: 400, details: { reason } });
    this.reason = reason;
  }
}

/** A normalized request-target. `path + query` is what the proxy forwards. */
export interface NormalizedPath {
  /** Starts with `/`; no `//`, no `.`/`..` segments, only needed `%XX` (upper-case hex). */
  readonly path: string;
  /** The query verbatim, WITH its leading `?` (`''` when the target had no `?`). */
  readonly query: string;
}

const SLASH = 0x2f;
const DOT = 0x2e;
const QUESTION = 0x3f;
const PERCENT = 0x25;
const BACKSLASH = 0x5c;
const HASH = 0x23;
const HEX = '0123456789ABCDEF';

/** Per ASCII code: 1 when the fast path must hand over (`%`, `\`, `#`, controls, space, DEL). */
const SPECIAL = new Uint8Array(128);
for (let c = 0; c <= 0x20; c++) SPECIAL[c] = 1;
SPECIAL[0x7f] = SPECIAL[PERCENT] = SPECIAL[BACKSLASH] = SPECIAL[HASH] = 1;

/** RFC 3986 unreserved: the only bytes whose percent-encoding is decoded. */
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~]/.test(ch)) UNRESERVED[c] = 1;
}

/**
 * Splits a request-target (`req.url`) into a normalized path and the verbatim query, or says why
 * it cannot be routed. Accepts origin-form (`/a/b?q`) and http/https absolute-form (its path is
 * taken; the authority is dropped). Decodes only percent-encoded unreserved characters (so
 * `%2e%2e` is `..`), upper-cases the hex of the rest, percent-encodes raw bytes 0x80–0xFF,
 * collapses `//`, and removes dot segments per RFC 3986 §5.2.4 (never above the root).
 *
 * hot path: one charCode scan; when nothing needs fixing the path is the input itself (or one
 * slice before the `?`) and the only allocation is the result object.
 *
 * @example
 * const r = normalizePath('/api/v1/users/../admin?x=1'); // { path: '/api/admin', query: '?x=1' }
 * if (r instanceof PathError) return reply400(r.code, r.reason);
 */
export function normalizePath(rawTarget: string): NormalizedPath | PathError {
  const len = rawTarget.length;
  let start = 0;
  if (len === 0) return new PathError('not-origin-form');
  if (rawTarget.charCodeAt(0) !== SLASH) {
    if (rawTarget === '*') return new PathError('asterisk-form');
    start = absoluteFormPathStart(rawTarget);
    if (start < 0) return new PathError(start === -1 ? 'not-origin-form' : 'bad-absolute-form');
    // `http://host` or `http://host?q`: the path is implicitly `/`
    if (start === len || rawTarget.charCodeAt(start) !== SLASH) {
      return finish(rawTarget, '/', start);
    }
  }
  let prev = SLASH;
  let i = start + 1;
  for (; i < len; i++) {
    const c = rawTarget.charCodeAt(i);
    if (c === QUESTION) break;
    if (c === SLASH) {
      if (prev === SLASH) return slowPath(rawTarget, start, i);
    } else if (c === DOT) {
      if (prev === SLASH && isDotSegment(rawTarget, i + 1)) return slowPath(rawTarget, start, i);
    } else if (c >= 0x7f || SPECIAL[c] === 1) {
      return slowPath(rawTarget, start, i);
    }
    prev = c;
  }
  const path = start === 0 && i === len ? rawTarget : rawTarget.slice(start, i);
  return finish(rawTarget, path, i);
}

/** Checks the query (from `at`, the `?` or the end) and builds the result. */
function finish(target: string, path: string, at: number): NormalizedPath | PathError {
  const len = target.length;
  if (at >= len) return { path, query: '' };
  for (let i = at + 1; i < len; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return new PathError('control-char');
    if (c === HASH) return new PathError('fragment');
    if (c > 0xff) return new PathError('invalid-char');
  }
  return { path, query: target.slice(at) };
}

/** After a `.` that starts a segment: is the segment `.` or `..`? (`i` is just past the dot) */
function isDotSegment(s: string, i: number): boolean {
  const c = i < s.length ? s.charCodeAt(i) : SLASH;
  if (c === SLASH || c === QUESTION) return true;
  if (c !== DOT) return false;
  const d = i + 1 < s.length ? s.charCodeAt(i + 1) : SLASH;
  return d === SLASH || d === QUESTION;
}

/**
 * `http://authority/...` or `https://…` (scheme case-insensitive): the index where the path (or
 * query) starts; -1 when it is not absolute-form at all, -2 when it is but is unacceptable.
 */
function absoluteFormPathStart(s: string): number {
  const sep = s.indexOf('://');
  if (sep < 0) return -1;
  const scheme = s.slice(0, sep).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return -2;
  let i = sep + 3;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === SLASH || c === QUESTION) break;
    if (c <= 0x20 || c === 0x7f || c === BACKSLASH || c === HASH || c > 0xff) return -2;
  }
  return i === sep + 3 ? -2 : i;
}

/** The general case: decode, validate, then resolve segments. Allocates; rare. */
function slowPath(target: string, start: number, from: number): NormalizedPath | PathError {
  let end = target.indexOf('?', from);
  if (end < 0) end = target.length;
  const decoded = decode(target, start, end);
  if (typeof decoded !== 'string') return decoded;
  return finish(target, removeDotSegments(decoded), end);
}

/** target[start, end) with unreserved `%XX` decoded, others upper-cased, bytes ≥ 0x80 encoded. */
function decode(target: string, start: number, end: number): string | PathError {
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    const c = target.charCodeAt(i);
    if (c === PERCENT) {
      const hi = i + 2 < end ? hexValue(target.charCodeAt(i + 1)) : -1;
      const lo = hi >= 0 ? hexValue(target.charCodeAt(i + 2)) : -1;
      if (lo < 0) return new PathError('bad-percent-encoding');
      const byte = hi * 16 + lo;
      if (byte === SLASH || byte === BACKSLASH) return new PathError('encoded-slash');
      if (byte === 0) return new PathError('control-char');
      out += target.slice(from, i);
      out += byte < 128 && UNRESERVED[byte] === 1 ? String.fromCharCode(byte) : percent(byte);
      i += 2;
      from = i + 1;
    } else if (c === BACKSLASH) {
      return new PathError('backslash');
    } else if (c <= 0x20 || c === 0x7f) {
      return new PathError('control-char');
    } else if (c === HASH) {
      return new PathError('fragment');
    } else if (c >= 0x80) {
      if (c > 0xff) return new PathError('invalid-char');
      out += target.slice(from, i) + percent(c);
      from = i + 1;
    }
  }
  return out + target.slice(from, end);
}

function percent(byte: number): string {
  return '%' + HEX[byte >> 4]! + HEX[byte & 15]!;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** RFC 3986 §5.2.4 on a path that starts with `/`, also collapsing empty segments. */
function removeDotSegments(path: string): string {
  const parts = path.split('/');
  const out: string[] = [];
  for (let k = 1; k < parts.length; k++) {
    const seg = parts[k]!;
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const last = parts[parts.length - 1];
  const trailing = last === '' || last === '.' || last === '..';
  if (out.length === 0) return '/';
  return '/' + out.join('/') + (trailing ? '/' : '');
}
