import { SwitchyardError, type ErrorDetails } from '../core/errors.js';

/** The stable codes the client SDK raises (documented in docs/reference/errors.md). */
export type ClientErrorCode =
  | 'SY_CLIENT_INVALID_OPTION'
  | 'SY_CLIENT_REGISTRY_UNREACHABLE'
  | 'SY_CLIENT_REGISTRATION_REJECTED'
  | 'SY_CLIENT_NO_ENDPOINTS'
  | 'SY_CLIENT_UPSTREAM_FAILED'
  | 'SY_CLIENT_CLOSED';

/**
 * An error of the client SDK: a `SwitchyardError` whose `code` is one of `ClientErrorCode` and
 * whose `details` carry the numbers that explain it (service, attempts, endpoints tried…).
 *
 * @example
 * try {
 *   await payments.fetch('/charge', { method: 'POST', body, idempotencyKey });
 * } catch (error) {
 *   if (error instanceof ClientError && error.code === 'SY_CLIENT_NO_ENDPOINTS') answer503();
 * }
 */
export class ClientError extends SwitchyardError {
  declare readonly code: ClientErrorCode;

  constructor(
    code: ClientErrorCode,
    message: string,
    options: { details?: ErrorDetails; cause?: unknown; status?: number } = {},
  ) {
    super(code, message, options);
  }
}

/** A bad option given to `registry()`, `registerSelf()`, `service()` or `handleShutdown()`. */
export function invalidOption(option: string, problem: string): ClientError {
  return new ClientError('SY_CLIENT_INVALID_OPTION', `invalid option "${option}": ${problem}`, {
    details: { option },
  });
}

/** One line naming an error and its cause's code (`ECONNREFUSED`, `UND_ERR_SOCKET`…). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as Error & { code?: unknown }).code;
  const own = typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  const cause = error.cause;
  if (cause instanceof Error && !own.includes(cause.message)) {
    return `${own} (${describeError(cause)})`;
  }
  return own;
}
