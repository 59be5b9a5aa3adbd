import { SwitchyardError, type ErrorDetails } from '../../errors.js';

/** The codes a discovery source records as `status().lastError` and logs (see errors.md). */
export type DiscoveryErrorCode =
  | 'SY_DISCOVERY_UNREACHABLE'
  | 'SY_DISCOVERY_TIMEOUT'
  | 'SY_DISCOVERY_BAD_STATUS'
  | 'SY_DISCOVERY_BAD_ANSWER'
  | 'SY_DISCOVERY_DNS_FAILED';

/**
 * A failed read of an endpoint source. Sources never throw it to callers: they keep the last
 * known good list, log it and show its message in `status().lastError`.
 *
 * @example
 * new DiscoveryError('SY_DISCOVERY_BAD_STATUS', 'registry answered 500', { status: 500 });
 */
export class DiscoveryError extends SwitchyardError {
  constructor(code: DiscoveryErrorCode, message: string, details?: ErrorDetails, cause?: unknown) {
    super(code, message, { details: details ?? {}, cause });
  }
}

/**
 * A source factory got a bad option; `option` names it.
 *
 * @example
 * registrySource({ address: 'nope', service: 'web' }); // throws SY_DISCOVERY_INVALID_OPTION
 */
export class InvalidSourceOptionError extends SwitchyardError {
  constructor(option: string, problem: string) {
    super('SY_DISCOVERY_INVALID_OPTION', `${option}: ${problem}`, { details: { option } });
  }
}

/** One line for logs and `lastError`: the message, then the cause's (e.g. `ECONNREFUSED`). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (!(cause instanceof Error) || error.message.includes(cause.message)) return error.message;
  return `${error.message} (${describeCause(cause)})`;
}

function describeCause(cause: Error): string {
  const code = (cause as Error & { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
}
