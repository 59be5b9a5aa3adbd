import type { IncomingMessage } from 'node:http';

/**
 * The contract every gateway request policy (auth, rate limit, …) implements. Policies of a route
 * are built once per config snapshot and run in order before the proxy; each may let the request
 * continue (`undefined`) or answer it.
 */
export interface PolicyContext {
  readonly req: IncomingMessage;
  readonly requestId: string;
  /** The client address, already resolved through the trusted-proxy list. */
  readonly clientIp: string;
  /** Headers policies want set on the upstream request (after client copies were removed). */
  readonly upstreamHeaders: [name: string, value: string][];
  /** Set by authentication. */
  consumer?: string;
  /** Set by JWT authentication. */
  claims?: Readonly<Record<string, unknown>>;
  /** Headers policies want on the response to the client (e.g. `RateLimit-*`), flat pairs. */
  responseHeaders?: string[];
}

/** An error answer body: the proxy renders it as `{ error: { code, message, requestId } }`. */
export interface PolicyError {
  readonly code: string;
  readonly message: string;
}

/** `undefined`: continue with the next policy. Otherwise the gateway answers with this. */
export type PolicyAnswer =
  { status: number; headers?: Record<string, string>; body: PolicyError } | undefined;

export interface RequestPolicy {
  readonly name: string;
  /** Lower-case names of headers this policy sets upstream; client-sent copies are removed first. */
  readonly ownedHeaders: readonly string[];
  apply(ctx: PolicyContext): PolicyAnswer | Promise<PolicyAnswer>;
  close?(): void | Promise<void>;
}
