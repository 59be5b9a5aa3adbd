/** The gateway router: request-path normalization and the route trie. */
export {
  normalizePath,
  PathError,
  type NormalizedPath,
  type PathErrorReason,
} from './normalize-path.js';
export { createRouter } from './router.js';
export {
  RouteInvalidError,
  type HeaderMatcherSpec,
  type RouteExplanation,
  type RouteInput,
  type RouteMatch,
  type RouteMatchSpec,
  type Router,
} from './router-types.js';
