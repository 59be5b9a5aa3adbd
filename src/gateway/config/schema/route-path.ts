/**
 * Route paths: the forms the router can match. Paths are compared with the router's normalized
 * request path (src/gateway/router/normalize-path.ts), so a path that normalization would change
 * or reject (`//`, `.` segments, `%2F`, `?`) could never match and is refused here.
 */
import type { RouteMatchType } from '../types.js';

const PARAM = /^:[A-Za-z_][A-Za-z0-9_]*$/;

/** What is wrong with `path` as a request path, or `undefined` if it is fine. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with /';
  if (/\s/.test(path) || [...path].some((c) => c < ' ' || c === '\x7f')) {
    return 'may not contain spaces or control characters';
  }
  if (/[?#]/.test(path)) return 'may not contain ? or # (routes match the path only)';
  if (path.includes('\\')) return 'may not contain a backslash';
  if (/%(?:2f|5c)/i.test(path)) return 'may not contain an encoded slash (%2F or %5C)';
  if (/%(?![0-9A-Fa-f]{2})/.test(path)) return 'has a % not followed by two hex digits';
  if (path.includes('//')) return 'may not contain an empty segment (//)';
  if (path.split('/').some((s) => s === '.' || s === '..')) {
    return 'may not contain . or .. segments';
  }
  return undefined;
}

/** True when `path` uses pattern syntax: a `:param` segment or a `*` segment. */
export function looksLikePattern(path: string): boolean {
  return path.split('/').some((s) => s.startsWith(':') || s === '*');
}

/** The default match type: `pattern` when the path has `:param` or `*`, else `prefix`. */
export function inferMatchType(path: string, type: RouteMatchType | undefined): RouteMatchType {
  return type ?? (looksLikePattern(path) ? 'pattern' : 'prefix');
}

/** What is wrong with `path` as a pattern (`/users/:id`, `/files/*`), or `undefined`. */
export function patternProblem(path: string): string | undefined {
  const segments = path.split('/').slice(1);
  const seen = new Set<string>();
  for (const [i, segment] of segments.entries()) {
    if (segment === '*') {
      if (i !== segments.length - 1) return '* may only be the last segment';
    } else if (segment.startsWith(':')) {
      if (!PARAM.test(segment)) return `bad parameter "${segment}" (expected :name)`;
      if (seen.has(segment)) return `parameter ${segment} appears twice`;
      seen.add(segment);
    } else if (segment.includes('*')) {
      return `* must be a whole segment (in "${segment}")`;
    }
  }
  return undefined;
}

/** The `:param` names of a pattern, without the colon. */
export function patternParams(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s.startsWith(':'))
    .map((s) => s.slice(1));
}

/**
 * The literal part of a match path: the whole path for `prefix`/`exact`, and for `pattern` the
 * text before the first `:param` or `*` segment.
 */
export function literalPrefix(path: string, type: RouteMatchType): string {
  if (type !== 'pattern') return path;
  const segments = path.split('/');
  const first = segments.findIndex((s) => s.startsWith(':') || s === '*');
  return first < 0 ? path : `${segments.slice(0, first).join('/')}/`;
}
