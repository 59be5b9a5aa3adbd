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
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
