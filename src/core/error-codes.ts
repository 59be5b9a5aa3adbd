/**
 * The registry of every stable error code. A test checks it against the codes the source
 * raises and against docs/reference/errors.md, so code, docs and types cannot drift apart.
 */
export const ERROR_CODES = {
  SY_RES_INVALID_OPTION: 'A resilience factory was given a bad option; `option` names it.',
  SY_RES_CIRCUIT_OPEN:
    'The circuit breaker is open (or half-open with all probe slots busy); the call was not made.',
  SY_RES_CIRCUIT_ISOLATED:
    'The circuit breaker was isolated by an operator; calls fail until reset.',
  SY_RES_BULKHEAD_FULL: 'The bulkhead had no free slot and no room in its queue.',
  SY_RES_BULKHEAD_QUEUE_TIMEOUT: 'A call waited in the bulkhead queue longer than `queueTimeout`.',
  SY_RES_TIMEOUT: 'The call did not finish within its timeout.',
  SY_RES_CANCELLED: "The caller's AbortSignal fired.",
  SY_RES_RATE_LIMITED: 'A rate limiter refused the call; `retryAfterMs` says when to try again.',
  SY_CLI_USAGE: 'The command line could not be understood.',
  SY_REG_UNKNOWN_SERVICE:
    'A check or maintenance request named a service instance the registry does not have; 404.',
  SY_REG_UNKNOWN_CHECK:
    'A check update or deregistration named a check the registry does not have; 404.',
  SY_REG_DNS_INVALID_OPTION: 'A DNS server option is malformed or unknown; `option` names it.',
  SY_REG_DNS_LISTEN_FAILED: 'The DNS server could not bind its UDP or TCP socket.',
  SY_REG_STORE_OPEN:
    'The registry store could not be opened (data dir, corrupt/foreign/newer file, or locked).',
  SY_REG_STORE_INVALID_WRITE: 'A store batch held a malformed write; nothing of it was applied.',
  SY_REG_STORE_FAILED: 'The registry database failed a read or write; the batch was rolled back.',
  SY_REG_STORE_CLOSED: 'The registry store was used after `close()`.',
  SY_REG_BAD_REQUEST:
    'The registry HTTP API refused bad input (malformed JSON, wrong type, bad query value); 400.',
  SY_REG_BODY_TOO_LARGE: 'A registry API request body or KV value was over the size cap; 413.',
  SY_REG_PERMISSION_DENIED: 'A registry API request lacked the configured token; 403.',
  SY_REG_UNKNOWN_ENDPOINT: 'No registry API endpoint at that path; 404.',
  SY_REG_METHOD_NOT_ALLOWED: 'The registry API endpoint does not take that HTTP method; 405.',
  SY_REG_TOO_MANY_WATCHERS: 'Too many blocking queries and push streams were held open; 429.',
  SY_REG_HTTP_INVALID_OPTION: '`startRegistryHttp` was given a bad option; `option` names it.',
  SY_REG_HTTP_INTERNAL:
    'A registry API request hit a bug; the 500 names a request ID that matches the log line.',
  SY_GW_BAD_PATH:
    'The gateway refused a request-target it cannot route safely (`reason` says why); 400.',
  SY_GW_ROUTE_INVALID:
    'A route could not be compiled into the router; `route` and `problem` say why.',
  SY_UPSTREAM_INVALID_OPTION:
    'A load balancer or the outlier detector was given a bad option (or an unknown balancer kind); `option` names it.',
  SY_GW_CONFIG_INVALID:
    'A gateway config file cannot be used; `problems` lists each as file:line:col path: message.',
  SY_DISCOVERY_INVALID_OPTION:
    'An endpoint source (registrySource, dnsSource, staticSource) got a bad option; `option` names it.',
  SY_DISCOVERY_UNREACHABLE:
    'An endpoint source could not reach the registry (refused, reset); the last good list is kept.',
  SY_DISCOVERY_TIMEOUT:
    'A registry query (wait + slack) or DNS lookup round took too long; the last good list is kept.',
  SY_DISCOVERY_BAD_STATUS:
    'The registry answered a discovery query with a non-2xx status; the last good list is kept.',
  SY_DISCOVERY_BAD_ANSWER:
    'The registry answered a discovery query with non-JSON, a wrong shape or no X-Consul-Index.',
  SY_DISCOVERY_DNS_FAILED:
    'A DNS discovery lookup (or an SRV target) failed other than NXDOMAIN/NODATA; list kept.',
  SY_CLIENT_INVALID_OPTION:
    'A client SDK factory or call (registry, registerSelf, service, handleShutdown) got a bad option; `option` names it.',
  SY_CLIENT_REGISTRY_UNREACHABLE:
    'registerSelf could not reach the registry within registerTimeout (retries go on), or a deregistration failed.',
  SY_CLIENT_REGISTRATION_REJECTED:
    'The registry refused a self-registration with a 4xx (bad input, missing token); not retried.',
  SY_CLIENT_NO_ENDPOINTS:
    'A service call found no instance to send to (none registered and passing, or discovery never answered); 503.',
  SY_CLIENT_UPSTREAM_FAILED:
    'Every try of a service call failed (connect, reset, timeout); the message names each try; 502.',
  SY_CLIENT_CLOSED: 'The client SDK (or a service client) was used after close().',
  SY_GW_ROUTE_NOT_FOUND: 'No gateway route matches the request (path, host, method and headers).',
  SY_GW_BAD_REQUEST:
    "Node's HTTP parser refused the request: malformed, or smuggling-shaped (both Content-Length and Transfer-Encoding, repeated lengths).",
  SY_GW_BODY_TOO_LARGE:
    "The request body is over the route's `maxBodySize` (by Content-Length, or while streaming chunks).",
  SY_GW_HEADERS_TOO_LARGE: 'The request headers are over `limits.maxHeaderSize`.',
  SY_GW_REQUEST_TIMEOUT:
    'The client did not send the whole request within `limits.requestTimeout` / `headersTimeout`.',
  SY_GW_NO_ENDPOINTS:
    "The route's service has no endpoint to send to (none discovered, or none available).",
  SY_GW_CIRCUIT_OPEN:
    "The service's circuit breaker is open; `Retry-After` says when it probes again.",
  SY_GW_UPSTREAM_UNAVAILABLE:
    'The upstream refused or did not accept the connection (after any retries).',
  SY_GW_UPSTREAM_RESET: 'The upstream closed the connection before answering.',
  SY_GW_UPSTREAM_BAD_RESPONSE: 'The upstream sent something that is not a valid HTTP response.',
  SY_GW_UPSTREAM_TIMEOUT: "The upstream did not answer within the route's read or total timeout.",
  SY_GW_INTERNAL:
    'The gateway hit a bug handling the request; the request ID matches the log line.',
  SY_GW_ADMIN_FORBIDDEN: 'An admin API request lacked the configured admin token.',
  SY_GW_ADMIN_NOT_FOUND: 'No admin API endpoint at that path.',
  SY_GW_ADMIN_METHOD:
    'The admin API endpoint does not take that method; `Allow` names the one it takes.',
  SY_GW_ADMIN_INTERNAL: 'An admin API request failed inside the gateway.',
  SY_GW_AUTH_INVALID:
    'Authentication failed: the credential (JWT, API key) is missing, malformed, expired, or not trusted; 401 with `WWW-Authenticate`.',
  SY_GW_AUTH_FORBIDDEN:
    'The credential is valid but does not grant access (JWT lacking required scopes, or the forward-auth service answered 403); 403.',
  SY_GW_AUTH_UNAVAILABLE:
    'The forward-auth service failed (non-2xx/401/403 status, timeout, connection failure): the request is refused, never let through; 503.',
  SY_GW_AUTH_INVALID_OPTION:
    'An authentication policy (`jwtAuth`, `apiKeyAuth`, `forwardAuth`) got a bad option at construction.',
  SY_GW_RATE_LIMITED:
    'A gateway rate limit refused the request; 429 with `Retry-After` and `RateLimit-*` headers.',
  SY_GW_RATE_LIMIT_UNAVAILABLE:
    'A cluster rate limit with `onRedisError: deny` could not reach Redis; the request is refused; 503.',
  SY_GW_RATE_LIMIT_CANCELLED:
    'The client disconnected while a leaky-bucket rate limit held its request; nothing went upstream; 499.',
  SY_GW_RATE_LIMIT_INVALID_OPTION:
    'A rate limit (`rateLimit`, `redisRateLimiter`) got a bad or unknown option; `details.option` names it.',
  SY_GW_CACHE_INVALID_OPTION:
    'A response cache (`createResponseCache`) got a bad or unknown option; `details.option` names it.',
  SY_GW_AGGREGATE_PART_FAILED:
    'A required part of an aggregate route failed (non-2xx, non-JSON, too large, unreachable); the others were aborted; 502, or 504 when it timed out.',
  SY_GW_AGGREGATE_BAD_PARAM:
    'An aggregate route parameter was missing or not encodable into a part path; nothing was sent upstream; 400.',
  SY_GW_AGGREGATE_CANCELLED:
    'The client went away during an aggregate request; every part was aborted; 499.',
  SY_GW_AGGREGATE_BODY_TOO_LARGE:
    'An aggregate part answered a body over `maxBodyBytes`; reading stopped (a part failure reason).',
  SY_GW_AGGREGATE_INVALID_OPTION:
    'An aggregate route (`createAggregator`) got a bad or unknown option; `details.option` names it.',
  SY_GW_IP_FORBIDDEN:
    "The client's address is not in the route's `ipAllow` list, or is in its `ipDeny` list; 403.",
  SY_GW_CORS_PREFLIGHT:
    'Not an error: a CORS preflight the gateway answered itself (204); counted in local responses.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
