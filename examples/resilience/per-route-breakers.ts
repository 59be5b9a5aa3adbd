/**
 * Per-route circuit breakers in an API gateway, as in the seed: each upstream route has its own
 * breaker and thresholds, so a failing /payments fails fast without touching /users.
 *
 *   node --import tsx examples/resilience/per-route-breakers.ts
 */
import { circuitBreaker, type CircuitBreaker } from '../../src/resilience/index.js';
import type { ExecuteOptions, Work } from '../../src/resilience/types.js';

export const breakers = {
  '/payments': circuitBreaker({ failureThreshold: 5, cooldown: 30_000 }),
  '/inventory': circuitBreaker({ failureThreshold: 10, cooldown: 60_000 }),
  '/users': circuitBreaker({ failureThreshold: 20, cooldown: 10_000 }),
};

/** The breaker of the route `path` falls under (whole path segments), if any. */
export function breakerFor(path: string): CircuitBreaker | undefined {
  for (const [route, breaker] of Object.entries(breakers)) {
    if (path === route || path.startsWith(`${route}/`)) return breaker;
  }
  return undefined;
}

/**
 * Calls the upstream for `path` through its route's breaker. While the circuit is open this
 * rejects at once with `BrokenCircuitError` (answer 503 with `Retry-After: retryAfterMs / 1000`).
 */
export function callRoute<T>(
  path: string,
  upstream: Work<T>,
  options?: ExecuteOptions,
): Promise<T> {
  const breaker = breakerFor(path);
  if (breaker === undefined) return Promise.reject(new Error(`no circuit breaker for ${path}`));
  return breaker.execute(upstream, options);
}

async function main(): Promise<void> {
  const down = () => Promise.reject(new Error('payments upstream: 502'));
  for (let i = 1; i <= 6; i++) {
    const outcome = await callRoute('/payments/charge', down).catch((e: Error) => e.message);
    console.log(`call ${i}: ${outcome} — /payments is ${breakers['/payments'].state}`);
  }
  console.log(
    `/users still answers: ${await callRoute('/users/42', () => Promise.resolve('alice'))}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
