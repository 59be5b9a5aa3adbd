/**
 * `switchyard/resilience`: circuit breaker, retry (backoff, jitter, retry budget), timeout,
 * bulkhead, fallback, hedging and rate limiters — zero dependencies, Node.js and browsers.
 * Every policy has `execute(fn, { signal })`; `wrap()` composes them, outermost first.
 */

// circuit breaker
export { circuitBreaker, CircuitBreaker } from './circuit-breaker.js';
export type {
  CircuitBreakerOptions,
  CountWindowOptions,
  TimeWindowOptions,
  SlowCallOptions,
  CooldownBackoffOptions,
  HalfOpenOptions,
  CircuitBreakerSnapshot,
  CircuitState,
  WindowStats,
  TripReason,
  TransitionReason,
  StateChangeEvent,
  SuccessEvent,
  FailureEvent,
  RejectEvent,
  CircuitPermit,
} from './circuit-breaker.js';

// retry, backoff, retry budget
export { retry, RetryPolicy, defaultIsRetryable } from './retry.js';
export { retryAfterOf, parseRetryAfter } from './retry-after.js';
export type {
  RetryOptions,
  RetryContext,
  RetryEvent,
  GiveUpEvent,
  GiveUpReason,
  RetryAfterOptions,
} from './retry.js';
export { constantBackoff, exponentialBackoff } from './backoff.js';
export type {
  Backoff,
  BackoffInput,
  ConstantBackoff,
  ExponentialBackoff,
  ExponentialBackoffOptions,
  Jitter,
  RandomSource,
} from './backoff.js';
export { retryBudget } from './retry-budget.js';
export type { RetryBudget, RetryBudgetOptions, RetryBudgetSnapshot } from './retry-budget.js';

// timeout, bulkhead, fallback, hedge
export { timeout } from './timeout.js';
export type { TimeoutOptions, TimeoutPolicy, TimeoutStrategy, TimeoutEvent } from './timeout.js';
export { bulkhead } from './bulkhead.js';
export type { BulkheadOptions, BulkheadPolicy, BulkheadRejectEvent } from './bulkhead.js';
export { fallback, FallbackPolicy } from './fallback.js';
export type { FallbackOptions, FallbackInfo, FallbackFactory, FallbackEvent } from './fallback.js';
export { hedge, HedgePolicy } from './hedge.js';
export type { HedgeOptions, HedgeContext, HedgeEvent } from './hedge.js';

// rate limiters
export { tokenBucket } from './token-bucket.js';
export type { TokenBucketOptions } from './token-bucket.js';
export { leakyBucket } from './leaky-bucket.js';
export type { LeakyBucketOptions } from './leaky-bucket.js';
export { slidingWindow } from './sliding-window.js';
export type { SlidingWindowOptions } from './sliding-window.js';
export { parseRate } from './rate-limiter.js';
export type {
  RateLimiter,
  AsyncRateLimiter,
  LimitDecision,
  RateInput,
  RateLimitExecuteOptions,
  RateLimiterSnapshot,
} from './rate-limiter.js';

// composition, time, errors, shared types
export { wrap } from './wrap.js';
export type { WrappedPolicy } from './wrap.js';
export { systemClock, ManualClock, flushMicrotasks } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { parseDuration } from './options.js';
export type { Duration } from './options.js';
export {
  ResilienceError,
  InvalidOptionError,
  BrokenCircuitError,
  IsolatedCircuitError,
  BulkheadRejectedError,
  TimeoutError,
  CancelledError,
  RateLimitedError,
} from './errors.js';
export type { Policy, PolicyContext, ExecuteOptions, Work, Dispose } from './types.js';
