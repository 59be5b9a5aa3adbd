import type { IncomingHttpHeaders } from 'node:http';
import type { ParsedRoutePath } from './route-path.js';
import { RouteInvalidError, type RouteInput, type RouteMatch } from './router-types.js';

/** Where a candidate sits in its trie node: routes ending there, `/*` routes, prefix routes. */
export const KIND_END = 0;
export const KIND_WILDCARD = 1;
export const KIND_PREFIX = 2;

/** Host specificity, higher first: exact names, then `*.suffix`, then any host. */
export const HOST_ANY = 0;
export const HOST_WILDCARD = 1;
export const HOST_EXACT = 2;

const HEADER_EXACT = 0;
const HEADER_PREFIX = 1;
const HEADER_REGEX = 2;
const HEADER_PRESENT = 3;

/** A header condition compiled once: a kind number and, for regex, the RegExp. */
export interface CompiledHeader {
  readonly name: string;
  readonly kind: number;
  readonly value: string;
  readonly regex: RegExp | null;
}

/**
 * One route (or one host class of it) in a trie node's candidate list. Every candidate is built
 * by `compileCandidates` with the same field order, so they share one hidden class.
 */
export interface Candidate<T> {
  readonly id: string;
  readonly index: number;
  readonly kind: number;
  readonly type: RouteInput<T>['match']['type'];
  readonly path: string;
  /** END: the request must end in `/`; PREFIX: the request must go on past the node. */
  readonly trailingSlash: boolean;
  readonly hostClass: number;
  readonly hostExact: ReadonlySet<string> | null;
  /** `.example.com` for `*.example.com`. */
  readonly hostSuffixes: readonly string[] | null;
  readonly methods: readonly string[] | null;
  readonly headers: readonly CompiledHeader[] | null;
  /** Parameter names by capture order; null when the route has none. */
  readonly paramNames: readonly string[] | null;
  readonly data: T;
  /** The answer itself, for routes without params or wildcard: nothing to build per request. */
  readonly fixedMatch: RouteMatch<T> | null;
}

/**
 * The params bag of a match that has params. Its prototype is an empty object without a
 * prototype (the `NullObject` of fastify and undici), so nothing is inherited (`constructor`,
 * `__proto__`, `toString` are all undefined) while V8 keeps it in fast mode:
 * `Object.create(null)` makes a dictionary-mode object, 3–5× slower to fill and to read.
 */
export const ParamsBag = function ParamsBag() {} as unknown as new () => Record<string, string>;
ParamsBag.prototype = Object.create(null) as object;

/** The params of every match without params: one frozen object, nothing inherited. */
export const EMPTY_PARAMS: Readonly<Record<string, string>> = Object.freeze(
  Object.create(null) as Record<string, string>,
);

/**
 * The engine's canonical copy of `s`. Names built by slicing or lower-casing are not, and V8
 * then looks such a key up in its string table on every keyed access (measured: 3–4× slower
 * param objects and header reads). Property keys that come back from Object.keys always are.
 */
export function internalize(s: string): string {
  // prototype-less, so that '__proto__' becomes an own key rather than a prototype change
  const o = Object.create(null) as Record<string, true>;
  o[s] = true;
  return Object.keys(o)[0]!;
}

/**
 * A Host header (or configured host) as compared: lower-case, port and trailing dot removed.
 * `[::1]:8080` → `[::1]`.
 */
export function hostKey(raw: string): string {
  let end = raw.length;
  if (raw.charCodeAt(0) === 0x5b) {
    const close = raw.indexOf(']');
    if (close > 0) end = close + 1;
  } else {
    const colon = raw.indexOf(':');
    if (colon >= 0) end = colon;
  }
  if (end > 1 && raw.charCodeAt(end - 1) === 0x2e) end--;
  return (end === raw.length ? raw : raw.slice(0, end)).toLowerCase();
}

/** Builds one candidate per host class the route uses (exact names, wildcards, any). */
export function compileCandidates<T>(
  route: RouteInput<T>,
  index: number,
  parsed: ParsedRoutePath,
): Candidate<T>[] {
  const m = route.match;
  if (m.type !== 'prefix' && m.type !== 'exact' && m.type !== 'pattern') {
    throw new RouteInvalidError(route.id, `unknown match type ${JSON.stringify(m.type)}`);
  }
  const kind = parsed.wildcard ? KIND_WILDCARD : m.type === 'prefix' ? KIND_PREFIX : KIND_END;
  const methods = m.methods.length > 0 ? m.methods.map((x) => x.toUpperCase()) : null;
  const headers = m.headers.length > 0 ? m.headers.map((h) => compileHeader(route.id, h)) : null;
  const paramNames = parsed.paramNames.length > 0 ? parsed.paramNames.map(internalize) : null;
  const fixedMatch: RouteMatch<T> | null =
    paramNames === null && kind !== KIND_WILDCARD
      ? Object.freeze({ data: route.data, params: EMPTY_PARAMS, matchedPath: fixedPath(m, kind) })
      : null;
  const hosts = compileHosts(route.id, m.hosts);
  const out: Candidate<T>[] = [];
  const add = (hostClass: number, exact: Set<string> | null, suffixes: string[] | null) =>
    out.push({
      id: route.id,
      index,
      kind,
      type: m.type,
      path: m.path,
      trailingSlash: parsed.trailingSlash,
      hostClass,
      hostExact: exact,
      hostSuffixes: suffixes,
      methods,
      headers,
      paramNames,
      data: route.data,
      fixedMatch,
    });
  if (hosts.exact.size > 0) add(HOST_EXACT, hosts.exact, null);
  if (hosts.suffixes.length > 0) add(HOST_WILDCARD, null, hosts.suffixes);
  if (hosts.any) add(HOST_ANY, null, null);
  return out;
}

/** Within one trie node: more constraints first, then config order. */
export function compareCandidates<T>(a: Candidate<T>, b: Candidate<T>): number {
  return (
    b.hostClass - a.hostClass ||
    (b.methods === null ? 0 : 1) - (a.methods === null ? 0 : 1) ||
    (b.headers?.length ?? 0) - (a.headers?.length ?? 0) ||
    a.index - b.index
  );
}

/** hot path: a Set lookup or a few endsWith; `key` is the request's `hostKey`. */
export function hostPasses<T>(c: Candidate<T>, key: string | undefined): boolean {
  if (key === undefined) return false;
  if (c.hostExact !== null) return c.hostExact.has(key);
  const suffixes = c.hostSuffixes!;
  for (let i = 0; i < suffixes.length; i++) {
    const s = suffixes[i]!;
    if (key.length > s.length && key.endsWith(s)) return true;
  }
  return false;
}

/** hot path: methods lists are short; a loop beats a Set. */
export function methodPasses(methods: readonly string[], method: string): boolean {
  for (let i = 0; i < methods.length; i++) if (methods[i] === method) return true;
  return false;
}

/** hot path: every condition must hold; a repeated header (array) passes if any value does. */
export function headersPass(
  conditions: readonly CompiledHeader[],
  headers: IncomingHttpHeaders,
): boolean {
  for (let i = 0; i < conditions.length; i++) {
    const h = conditions[i]!;
    const v = headers[h.name];
    if (v === undefined) return false;
    if (h.kind === HEADER_PRESENT) continue;
    if (typeof v === 'string' ? !valuePasses(h, v) : !anyValuePasses(h, v)) return false;
  }
  return true;
}

function anyValuePasses(h: CompiledHeader, values: readonly string[]): boolean {
  for (let i = 0; i < values.length; i++) if (valuePasses(h, values[i]!)) return true;
  return false;
}

function valuePasses(h: CompiledHeader, v: string): boolean {
  if (h.kind === HEADER_EXACT) return v === h.value;
  if (h.kind === HEADER_PREFIX) return v.startsWith(h.value);
  return h.regex!.test(v);
}

function fixedPath(m: RouteInput<unknown>['match'], kind: number): string {
  if (kind === KIND_END) return m.path;
  // prefix: up to the end of the last segment, no trailing slash; '' for '/'
  return m.path.endsWith('/') ? m.path.slice(0, -1) : m.path;
}

function compileHeader(
  id: string,
  h: RouteInput<unknown>['match']['headers'][number],
): CompiledHeader {
  const name = internalize(h.name.toLowerCase());
  if (h.kind === 'present') return { name, kind: HEADER_PRESENT, value: '', regex: null };
  if (typeof h.value !== 'string') {
    throw new RouteInvalidError(id, `header ${name}: ${h.kind} needs a value`);
  }
  if (h.kind === 'exact') return { name, kind: HEADER_EXACT, value: h.value, regex: null };
  if (h.kind === 'prefix') return { name, kind: HEADER_PREFIX, value: h.value, regex: null };
  if (h.kind !== 'regex') {
    throw new RouteInvalidError(id, `header ${name}: unknown kind ${JSON.stringify(h.kind)}`);
  }
  try {
    // no `g`/`y` flag: a stateful lastIndex would make test() alternate between requests
    return { name, kind: HEADER_REGEX, value: h.value, regex: new RegExp(h.value) };
  } catch {
    throw new RouteInvalidError(id, `header ${name}: invalid regex ${JSON.stringify(h.value)}`);
  }
}

function compileHosts(
  id: string,
  hosts: readonly string[],
): { exact: Set<string>; suffixes: string[]; any: boolean } {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let any = hosts.length === 0;
  for (const raw of hosts) {
    const host = hostKey(raw);
    if (host === '*') any = true;
    else if (host.startsWith('*.') && host.length > 2 && !host.slice(1).includes('*')) {
      suffixes.push(host.slice(1));
    } else if (host === '' || host.includes('*')) {
      throw new RouteInvalidError(id, `bad host ${JSON.stringify(raw)}`);
    } else exact.add(host);
  }
  return { exact, suffixes, any };
}
