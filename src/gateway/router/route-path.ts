import { normalizePath, PathError } from './normalize-path.js';
import { RouteInvalidError } from './router-types.js';

/** One segment of a route path: a literal, or a `:name` parameter. */
export interface PathToken {
  readonly param: boolean;
  /** The literal segment, or the parameter's name. */
  readonly text: string;
}

/** A route path split for the trie. */
export interface ParsedRoutePath {
  readonly tokens: readonly PathToken[];
  /** Ends in `/*`: the rest of the request path is captured. */
  readonly wildcard: boolean;
  /** Ends in `/` (not the root): exact routes then need it; prefix routes need more path. */
  readonly trailingSlash: boolean;
  readonly paramNames: readonly string[];
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Parses and validates a route's path. It must already be in the form `normalizePath` produces
 * (requests are normalized, so any other spelling could never match: say so at load time).
 *
 * @example
 * parseRoutePath('users', '/users/:id/files/*');
 * // { tokens: [users, :id, files], wildcard: true, trailingSlash: false, paramNames: ['id'] }
 */
export function parseRoutePath(routeId: string, path: string): ParsedRoutePath {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new RouteInvalidError(routeId, `path ${JSON.stringify(path)} must start with "/"`);
  }
  const normal = normalizePath(path);
  if (normal instanceof PathError) {
    throw new RouteInvalidError(routeId, `path ${path} is not a valid path (${normal.reason})`);
  }
  if (normal.query !== '' || normal.path !== path) {
    const hint = normal.query === '' ? ` (write it as ${normal.path})` : '';
    throw new RouteInvalidError(routeId, `path ${path} is not in normal form${hint}`);
  }
  const parts = path.split('/').slice(1);
  const trailingSlash = path.length > 1 && path.endsWith('/');
  if (trailingSlash || path === '/') parts.pop();
  const tokens: PathToken[] = [];
  const paramNames: string[] = [];
  let wildcard = false;
  for (let k = 0; k < parts.length; k++) {
    const seg = parts[k]!;
    if (seg === '*') {
      if (k !== parts.length - 1) throw new RouteInvalidError(routeId, `"*" must be last`);
      wildcard = true;
    } else if (seg.includes('*')) {
      throw new RouteInvalidError(routeId, `"*" must be a whole last segment (in ${path})`);
    } else if (seg.startsWith(':')) {
      const name = seg.slice(1);
      if (!PARAM_NAME.test(name)) {
        throw new RouteInvalidError(routeId, `bad parameter name ${JSON.stringify(seg)}`);
      }
      if (paramNames.includes(name)) {
        throw new RouteInvalidError(routeId, `parameter :${name} appears twice`);
      }
      paramNames.push(name);
      tokens.push({ param: true, text: name });
    } else {
      tokens.push({ param: false, text: seg });
    }
  }
  return { tokens, wildcard, trailingSlash, paramNames };
}
