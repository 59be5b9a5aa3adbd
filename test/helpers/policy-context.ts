import type { IncomingMessage } from 'node:http';
import type { PolicyContext } from '../../src/gateway/policies/policy.js';

/** A policy context over a fake request, for unit tests of auth policies. */
export function fakeContext(
  headers: Record<string, string> = {},
  url = '/api/v1/users?x=1',
  method = 'GET',
): PolicyContext {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const req = { headers: lower, url, method, socket: {} } as unknown as IncomingMessage;
  return { req, requestId: 'req-1', clientIp: '203.0.113.9', upstreamHeaders: [] };
}
