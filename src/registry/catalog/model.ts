/**
 * The registry's data model, in Switchyard's own camelCase. Consul's PascalCase shapes exist only
 * in the Consul API translator (src/registry/api/consul/). Every stored record carries Consul's
 * `createIndex` / `modifyIndex` (raft-style indexes: monotonic, never 0).
 */

export type HealthStatus = 'passing' | 'warning' | 'critical';

export const HEALTH_STATUSES: readonly HealthStatus[] = ['passing', 'warning', 'critical'];

/** One running instance of a service (Consul: an agent service). */
export interface ServiceInstance {
  readonly id: string;
  readonly name: string;
  /** Empty means "use the node's address" (Consul semantics). */
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly weights: { readonly passing: number; readonly warning: number };
  readonly enableTagOverride: boolean;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** `serf`: the node-level liveness check Consul reports; `maintenance`: a service in maintenance mode. */
export type CheckType = 'ttl' | 'http' | 'tcp' | 'maintenance' | 'serf';

/** How a check is run. Durations are milliseconds. */
export interface CheckDefinition {
  readonly id: string;
  readonly name: string;
  /** The instance this check belongs to; undefined for a node-level check. */
  readonly serviceId?: string | undefined;
  readonly notes: string;
  readonly type: CheckType;
  /** TTL checks: the application must report within this many ms. */
  readonly ttlMs?: number | undefined;
  /** HTTP checks: the URL, method, headers, body and TLS verification. */
  readonly http?: string | undefined;
  readonly method?: string | undefined;
  readonly header?: Readonly<Record<string, readonly string[]>> | undefined;
  readonly body?: string | undefined;
  readonly tlsSkipVerify?: boolean | undefined;
  /** TCP checks: `host:port`. */
  readonly tcp?: string | undefined;
  /** HTTP/TCP checks: how often and how long each probe may take. */
  readonly intervalMs?: number | undefined;
  readonly timeoutMs?: number | undefined;
  /** Remove the instance once this check has been critical this long. */
  readonly deregisterCriticalAfterMs?: number | undefined;
  /** Consecutive successes needed to turn passing (0 = at once). */
  readonly successBeforePassing: number;
  /** Consecutive failures needed to turn critical (0 = at once). */
  readonly failuresBeforeCritical: number;
}

/** A check with its current state. */
export interface CheckState {
  readonly definition: CheckDefinition;
  readonly status: HealthStatus;
  readonly output: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
  /** Clock ms (registry clock) when the status last became critical; undefined when not critical. */
  readonly criticalSince?: number | undefined;
  /** TTL checks: clock ms at which the check expires unless reported again. */
  readonly ttlDeadline?: number | undefined;
}

/** A key/value entry. `value` is raw bytes (base64 only in the Consul translator). */
export interface KvEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly flags: string; // uint64 as a decimal string (JavaScript numbers cannot hold it)
  readonly createIndex: number;
  readonly modifyIndex: number;
  readonly lockIndex: number;
}

/** The node this registry answers for (a Consul agent's node). */
export interface NodeInfo {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly datacenter: string;
}

/** An instance with its checks and their combined status, as health queries return it. */
export interface HealthEntry {
  readonly service: ServiceInstance;
  readonly checks: readonly CheckState[];
  /** The worst status among `checks` (passing when there are none). */
  readonly status: HealthStatus;
}
