/**
 * `core` is the shared kernel: see src/core/README.md for its charter.
 *
 * Every error Switchyard raises deliberately is a `SwitchyardError` with a stable `code`
 * (`SY_<AREA>_<WHAT>`), an optional HTTP status, a `cause`, and the numbers that explain it in
 * `details`. Codes are never reused. The resilience library's `ResilienceError` has the same shape
 * (it cannot import this file), so `isSwitchyardError` accepts both.
 */

export interface ErrorDetails {
  readonly [key: string]: unknown;
}

export class SwitchyardError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly details: ErrorDetails;

  constructor(
    code: string,
    message: string,
    options: { status?: number; cause?: unknown; details?: ErrorDetails } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status;
    this.details = options.details ?? {};
  }

  /** A JSON body for an HTTP error response (no stack, no cause). */
  toJSON(): { error: { code: string; message: string; details?: ErrorDetails } } {
    const details = Object.keys(this.details).length > 0 ? this.details : undefined;
    return { error: { code: this.code, message: this.message, ...(details && { details }) } };
  }
}

/** True for any error with a stable Switchyard code (core or resilience). */
export function isSwitchyardError(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SY_');
}
