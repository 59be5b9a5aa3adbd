/** Gateway response caching: see `createResponseCache`. */
export { ageSeconds, type CachedResponse } from './cached-response.js';
export {
  bypassesCache,
  CACHEABLE_STATUSES,
  parseCacheControl,
  storeTtlMs,
  type FreshnessPolicy,
  type HeaderBag,
} from './cache-control.js';
export { MemoryCacheStore, type MemoryCacheLimits } from './memory-cache-store.js';
export { RedisCacheStore, type RedisCacheClient } from './redis-cache-store.js';
export {
  createResponseCache,
  type ResponseCache,
  type ResponseCacheOptions,
  type StorableResponse,
} from './response-cache.js';
