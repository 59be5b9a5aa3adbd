// The trie router cross-checked against a plain O(n) reference that implements the documented
// precedence directly (a sort key per route), on seeded random route tables and requests.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import { createRouter } from './router.js';
import type { HeaderMatcherSpec, RouteExplanation, RouteInput, Router } from './router-types.js';
import { prng } from '../../../test/helpers/prng.js';

interface Outcome {
  id: string;
  params: Record<string, string>;
  matchedPath: string;
}

type Rand = () => number;
const pick = <X>(next: Rand, xs: readonly X[]): X => xs[Math.floor(next() * xs.length)]!;

// ---- the reference -----------------------------------------------------------------------

function refHost(raw: string): string {
  let h = raw.toLowerCase();
  if (!h.startsWith('[')) h = h.split(':')[0]!;
  else h = h.slice(0, h.indexOf(']') + 1);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** Best host class of the route that accepts the request host: 2 exact, 1 wildcard, 0 any. */
function hostRank(hosts: readonly string[], host: string | undefined): number {
  if (hosts.length === 0) return 0;
  let best = -1;
  for (const raw of hosts) {
    const h = refHost(raw);
    if (h === '*') best = Math.max(best, 0);
    else if (host === undefined) continue;
    else if (h.startsWith('*.')) {
      const want = refHost(host);
      if (want.endsWith(h.slice(1)) && want.length > h.length - 1) best = Math.max(best, 1);
    } else if (refHost(host) === h) best = 2;
  }
  return best;
}

function headerOk(m: HeaderMatcherSpec, headers: IncomingHttpHeaders): boolean {
  const v = headers[m.name];
  if (v === undefined) return false;
  const values = Array.isArray(v) ? v : [v];
  if (m.kind === 'present') return true;
  return values.some((x) =>
    m.kind === 'exact'
      ? x === m.value
      : m.kind === 'prefix'
        ? x.startsWith(m.value!)
        : new RegExp(m.value!).test(x),
  );
}

interface RefRoute {
  route: RouteInput<string>;
  tokens: string[];
  wildcard: boolean;
  trailing: boolean;
}

/** The reference's only preparation: splitting each route path once. */
function prepare(routes: readonly RouteInput<string>[]): RefRoute[] {
  return routes.map((route) => {
    const p = route.match.path;
    const trailing = p.length > 1 && p.endsWith('/');
    const tokens = p === '/' ? [] : p.slice(1).split('/');
    if (trailing) tokens.pop();
    const wildcard = tokens[tokens.length - 1] === '*';
    if (wildcard) tokens.pop();
    return { route, tokens, wildcard, trailing };
  });
}

interface Request {
  method: string;
  host: string | undefined;
  path: string;
  headers: IncomingHttpHeaders;
  /** The path's segments and whether it ends in '/', split once per request. */
  segs: string[];
  trailing: boolean;
}

/**
 * Does one route accept the request (considering only `hosts` of it)? If so, its sort key:
 * per route segment 0 (static) or 1 (param), then 2 (ends here), 3 (`/*`) or 4 (prefix); then
 * more host specificity, methods given, more headers, config order. Smallest key wins.
 */
function evaluate(
  ref: RefRoute,
  index: number,
  req: Request,
  hosts: readonly string[],
): { key: number[]; outcome: Outcome } | undefined {
  const { route: r, tokens, wildcard, trailing: rtrail } = ref;
  const { path, segs, trailing } = req;
  const m = r.match;
  const k = tokens.length;
  if (k > segs.length) return undefined;
  const key: number[] = [];
  const params: Record<string, string> = {};
  for (let d = 0; d < k; d++) {
    const t = tokens[d]!;
    if (t.startsWith(':')) {
      key.push(1);
      params[t.slice(1)] = segs[d]!;
    } else if (t === segs[d]) key.push(0);
    else return undefined;
  }
  const literal = k === 0 ? '' : '/' + segs.slice(0, k).join('/');
  let matchedPath: string;
  if (wildcard) {
    key.push(3);
    params['*'] = segs.slice(k).join('/') + (trailing && segs.length > k ? '/' : '');
    matchedPath = literal;
  } else if (m.type === 'prefix') {
    if (rtrail && !(segs.length > k || trailing)) return undefined;
    key.push(4);
    matchedPath = literal;
  } else {
    if (segs.length !== k || trailing !== rtrail) return undefined;
    key.push(2);
    matchedPath = path;
  }
  if (m.methods.length > 0 && !m.methods.includes(req.method)) return undefined;
  const rank = hostRank(hosts, req.host);
  if (rank < 0) return undefined;
  if (!m.headers.every((h) => headerOk(h, req.headers))) return undefined;
  key.push(-rank, m.methods.length > 0 ? -1 : 0, -m.headers.length, index);
  return { key, outcome: { id: r.id, params, matchedPath } };
}

function referenceFind(routes: readonly RefRoute[], req: Request): Outcome | undefined {
  let best: { key: number[]; outcome: Outcome } | undefined;
  routes.forEach((ref, index) => {
    const e = evaluate(ref, index, req, ref.route.match.hosts);
    if (e && (best === undefined || less(e.key, best.key))) best = e;
  });
  return best?.outcome;
}

/** The route's hosts that one `explain()` entry covers. */
function hostsOfClass(hosts: readonly string[], hostClass: string): string[] | undefined {
  const wild = (h: string) => h.startsWith('*.');
  if (hostClass === 'exact') return hosts.filter((h) => h !== '*' && !wild(h));
  if (hostClass === 'wildcard') return hosts.filter(wild);
  return hosts.length === 0 || hosts.includes('*') ? [] : undefined;
}

/** The first `explain()` entry that accepts the request: must be what `find` answers. */
function firstInExplainOrder(
  entries: readonly RouteExplanation[],
  refs: ReadonlyMap<string, readonly [RefRoute, number]>,
  req: Request,
): string | undefined {
  for (const entry of entries) {
    const [ref, index] = refs.get(entry.id)!;
    const hosts = hostsOfClass(ref.route.match.hosts, entry.hostClass)!;
    if (evaluate(ref, index, req, hosts)) return entry.id;
  }
  return undefined;
}

function less(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return a.length < b.length;
}

// ---- random routes and requests -----------------------------------------------------------

const SEGMENTS = ['a', 'b', 'c'];
const HOSTS = ['a.com', '*.a.com', 'b.a.com', '*', 'B.COM:80', '*.b.a.com'];
const MATCHERS: HeaderMatcherSpec[] = [
  { name: 'x-a', kind: 'exact', value: 'v1' },
  { name: 'x-a', kind: 'prefix', value: 'v' },
  { name: 'x-b', kind: 'present' },
  { name: 'x-c', kind: 'regex', value: '^[0-9]+$' },
];

function randomRoute(next: Rand, id: string): RouteInput<string> {
  const depth = Math.floor(next() * 5);
  const segs: string[] = [];
  for (let d = 0; d < depth; d++) segs.push(next() < 0.25 ? `:p${d}` : pick(next, SEGMENTS));
  const wildcard = next() < 0.1;
  if (wildcard) segs.push('*');
  let path = '/' + segs.join('/');
  if (!wildcard && depth > 0 && next() < 0.15) path += '/';
  const type = pick(next, ['prefix', 'prefix', 'exact', 'pattern'] as const);
  const subset = <X>(xs: readonly X[], p: number) => xs.filter(() => next() < p);
  const constrained = next() < 0.5;
  return {
    id,
    match: {
      path,
      type,
      hosts: constrained ? subset(HOSTS, 0.25) : [],
      methods: constrained ? subset(['GET', 'POST'], 0.4) : [],
      headers: constrained ? subset(MATCHERS, 0.2) : [],
    },
    data: id,
  };
}

function randomRequest(next: Rand): Request {
  const depth = Math.floor(next() * 6);
  const parts = Array.from({ length: depth }, () => pick(next, [...SEGMENTS, 'd']));
  let path = '/' + parts.join('/');
  if (depth > 0 && next() < 0.2) path += '/';
  const host = pick(next, ['a.com', 'b.a.com', 'c.b.a.com', 'b.com', 'A.COM:8080', undefined]);
  const headers: IncomingHttpHeaders = {};
  if (next() < 0.5) headers['x-a'] = pick(next, ['v1', 'v2', 'w']);
  if (next() < 0.1) headers['x-a'] = ['w', 'v1'];
  if (next() < 0.3) headers['x-b'] = '';
  if (next() < 0.3) headers['x-c'] = pick(next, ['123', 'x']);
  const segs = path === '/' ? [] : path.slice(1).split('/');
  const trailing = path.length > 1 && path.endsWith('/');
  if (trailing) segs.pop();
  return { method: pick(next, ['GET', 'POST', 'PUT']), host, path, headers, segs, trailing };
}

function crossCheck(
  routes: RouteInput<string>[],
  router: Router<string>,
  next: Rand,
  n: number,
  checkExplain = false,
): number {
  const reference = prepare(routes);
  const explained = checkExplain ? router.explain() : [];
  const byId = new Map(reference.map((ref, i) => [ref.route.id, [ref, i] as const]));
  let matched = 0;
  for (let k = 0; k < n; k++) {
    const req = randomRequest(next);
    const got = router.find(req.method, req.host, req.path, req.headers);
    const want = referenceFind(reference, req);
    const outcome = got && {
      id: got.data,
      params: { ...got.params },
      matchedPath: got.matchedPath,
    };
    const what = `${req.method} ${req.host} ${req.path} ${JSON.stringify(req.headers)}`;
    assert.deepEqual(outcome, want, what);
    if (checkExplain) assert.equal(firstInExplainOrder(explained, byId, req), want?.id, what);
    if (want) matched++;
  }
  return matched;
}

void describe('router model: trie vs O(n) reference (seeded)', () => {
  void test('1,000 random routes, 20,000 random requests', { timeout: 60_000 }, () => {
    const next = prng(0xc0ffee);
    const routes = Array.from({ length: 1000 }, (_, i) => randomRoute(next, `r${i}`));
    const matched = crossCheck(routes, createRouter(routes), next, 20_000);
    assert.ok(matched > 10_000, `most requests should match something (${matched})`);
  });

  void test(
    '300 small tables (fallbacks decide most answers); explain() order agrees',
    {
      timeout: 60_000,
    },
    () => {
      let matched = 0;
      let missed = 0;
      for (let seed = 1; seed <= 300; seed++) {
        const next = prng(seed);
        const routes = Array.from({ length: 1 + Math.floor(next() * 30) }, (_, i) =>
          randomRoute(next, `r${i}`),
        );
        const m = crossCheck(routes, createRouter(routes), next, 300, true);
        matched += m;
        missed += 300 - m;
      }
      assert.ok(matched > 10_000 && missed > 10_000, `${matched} matched, ${missed} missed`);
    },
  );
});
