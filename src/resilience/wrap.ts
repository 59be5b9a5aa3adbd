import { InvalidOptionError } from './errors.js';
import type { ExecuteOptions, Policy, PolicyContext, Work } from './types.js';

type ContextOf<P> = P extends Policy<infer C> ? C : never;
type Intersect<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void
  ? I
  : never;

/** The policy `wrap()` returns; its work sees the fields every wrapped policy adds. */
export type WrappedPolicy<P extends readonly Policy<object>[]> = Policy<
  Intersect<ContextOf<P[number]>> & object
> & { readonly policies: P };

/**
 * Composes policies, outermost first: `wrap(a, b, c).execute(fn)` runs
 * `a.execute(() => b.execute(() => c.execute(fn)))`, each layer's context (signal, attempt)
 * reaching the next as its options. The usual order: total timeout, retry, breaker, attempt timeout.
 *
 * @example
 * const policy = wrap(timeout('10s'), retry({ maxAttempts: 3 }), circuitBreaker(), timeout('2s'));
 * await policy.execute(({ signal, attempt }) => fetch(url, { signal }));
 */
export function wrap<P extends readonly Policy<object>[]>(...policies: P): WrappedPolicy<P> {
  policies.forEach((policy, i) => {
    if (typeof (policy as Partial<Policy> | null)?.execute !== 'function') {
      throw new InvalidOptionError(`wrap[${i}]`, 'expected a policy with an execute() method');
    }
  });
  return new Wrapped(policies) as unknown as WrappedPolicy<P>;
}

class Wrapped<P extends readonly Policy<object>[]> {
  constructor(readonly policies: P) {}

  execute<T>(fn: Work<T>, options?: ExecuteOptions): Promise<T> {
    const policies = this.policies;
    if (policies.length === 0) {
      try {
        return Promise.resolve(fn((options ?? { signal: undefined }) as PolicyContext));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    // hot path: one closure per inner layer; each passes its context on as the next options
    let work: Work<T> = fn;
    for (let i = policies.length - 1; i >= 1; i--) {
      const policy = policies[i]!;
      const inner = work;
      work = (context) => policy.execute(inner, context);
    }
    return policies[0]!.execute(work, options);
  }
}
