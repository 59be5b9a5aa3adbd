import type { PolicyAnswer, PolicyContext, RequestPolicy } from './policy.js';

/**
 * Runs a route's policies in order; resolves with the first answer, or undefined to proxy. Sync
 * policies (IP filter, cached JWTs, local limits) cost no await.
 */
export async function runPolicies(
  policies: readonly RequestPolicy[],
  ctx: PolicyContext,
): Promise<PolicyAnswer> {
  for (const policy of policies) {
    const result = policy.apply(ctx);
    const answer = result instanceof Promise ? await result : result;
    if (answer !== undefined) return answer;
  }
  return undefined;
}
