import { requestFinished, requestStarted } from '../../core/upstream/balancer.js';
import type { PartCall } from '../policies/aggregate/aggregator.js';
import { readBoundedBody } from '../policies/aggregate/read-bounded-body.js';
import { classifyFailure } from '../proxy/upstream-failure.js';
import type { UpstreamService } from '../upstream/upstream-service.js';

/**
 * How an aggregation route calls its parts: a GET through the part's service — its balancer,
 * pooled connections, circuit breaker and outlier detection, like any proxied request.
 */
export function partCaller(
  services: ReadonlyMap<string, UpstreamService>,
  connectTimeout: number,
): PartCall {
  return async (name, path, init) => {
    const service = services.get(name)!;
    const endpoint = service.balancer.pick(undefined, undefined);
    if (endpoint === undefined) {
      throw Object.assign(new Error(`service ${name} has no available endpoints`), {
        code: 'SY_GW_NO_ENDPOINTS',
      });
    }
    const permit = service.breaker?.acquire();
    if (permit instanceof Error) throw permit;
    const started = performance.now();
    requestStarted(endpoint);
    let failed = true;
    try {
      const res = await service.poolSet(connectTimeout).get(endpoint).request({
        path,
        method: 'GET',
        headers: init.headers.flat(),
        signal: init.signal,
        headersTimeout: init.timeoutMs,
        bodyTimeout: init.timeoutMs,
      });
      const body = await readBoundedBody(res.body, init.maxBodyBytes);
      failed = res.statusCode >= 500;
      if (failed) service.outlier?.failure(endpoint, '5xx');
      else service.outlier?.success(endpoint);
      return { status: res.statusCode, headers: res.headers, body };
    } catch (error) {
      if (!init.signal.aborted) {
        const kind = classifyFailure(error);
        service.outlier?.failure(endpoint, kind === 'bad-response' ? '5xx' : kind);
      } else failed = false; // we gave up on it; it says nothing about the endpoint
      throw error;
    } finally {
      const now = performance.now();
      requestFinished(endpoint, now - started, now);
      if (permit !== undefined) service.breaker!.settle(permit, failed, now - started);
    }
  };
}
