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
  SY_REG_DNS_INVALID_OPTION: 'A DNS server option is malformed or unknown; `option` names it.',
  SY_REG_DNS_LISTEN_FAILED: 'The DNS server could not bind its UDP or TCP socket.',
  SY_REG_STORE_OPEN:
    'The registry store could not be opened (data dir, corrupt/foreign/newer file, or locked).',
  SY_REG_STORE_INVALID_WRITE: 'A store batch held a malformed write; nothing of it was applied.',
  SY_REG_STORE_FAILED: 'The registry database failed a read or write; the batch was rolled back.',
  SY_REG_STORE_CLOSED: 'The registry store was used after `close()`.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
