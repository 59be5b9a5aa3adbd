import { hostname } from 'node:os';
import { systemClock, type Clock } from '../../resilience/clock.js';
import type { Dispose } from '../../resilience/types.js';
import type { RegistryStore, StoreWrite } from '../store/registry-store.js';
import { UnknownCheckError, UnknownServiceError } from './catalog-errors.js';
import { KvTable } from './kv-table.js';
import type {
  CheckDefinition,
  CheckState,
  HealthEntry,
  HealthStatus,
  KvEntry,
  NodeInfo,
  ServiceInstance,
} from './model.js';
import { WatchHub, type Change } from './watch-hub.js';

/** A validated registration (the API translators validate and fill defaults); the catalog adds the indexes. */
export type ServiceSpec = Omit<ServiceInstance, 'createIndex' | 'modifyIndex'>;

/** A check to register, with its initial status (default critical, as Consul). */
export interface CheckSpec {
  readonly definition: CheckDefinition;
  readonly status?: HealthStatus | undefined;
  readonly output?: string | undefined;
}

export interface CatalogOptions {
  readonly store: RegistryStore;
  readonly clock?: Clock;
  readonly node?: Partial<NodeInfo>;
  /** After a restart, TTL checks get this much extra time to report (default 30 s). */
  readonly ttlGraceMs?: number;
}

const SEVERITY: Record<HealthStatus, number> = { passing: 0, warning: 1, critical: 2 };
const MAX_OUTPUT = 4096;
const SERF_CHECK_ID = 'serfHealth';

/**
 * The registry's source of truth, in memory, written through a `RegistryStore` before any change
 * becomes visible (so an answered write survives `kill -9`). Writes are serialized; reads are
 * synchronous. Every change gets the next index and is published on `hub` with the service name
 * or key it touches, so a watcher of one service is never woken by another.
 *
 * Longer than our usual file on purpose: every write allocates the next index, persists, updates
 * the in-memory maps and publishes as one serialized step, and those maps stay private to this
 * class. Pure parts live beside it (`kv-table.ts`, `watch-hub.ts`).
 */
export class Catalog {
  readonly hub = new WatchHub();
  readonly node: NodeInfo;
  readonly clock: Clock;
  readonly kv = new KvTable();
  readonly #store: RegistryStore;
  #index = 1;
  #servicesIndex = 1;
  #checksIndex = 1;
  readonly #services = new Map<string, ServiceInstance>();
  readonly #byName = new Map<string, Map<string, ServiceInstance>>();
  readonly #checks = new Map<string, CheckState>();
  /** serviceId → its check IDs, so health answers never scan every check. */
  readonly #checkIdsByService = new Map<string, Set<string>>();
  readonly #nodeCheckIds = new Set<string>();
  readonly #serviceIndex = new Map<string, number>();
  readonly #healthCache = new Map<string, { index: number; entries: HealthEntry[] }>();
  #writes: Promise<unknown> = Promise.resolve();
  readonly #checkListeners = new Set<(id: string) => void>();

  private constructor(options: CatalogOptions) {
    this.#store = options.store;
    this.clock = options.clock ?? systemClock;
    this.node = {
      id: options.node?.id ?? '00000000-0000-4000-8000-000000000001',
      name: options.node?.name ?? hostname(),
      address: options.node?.address ?? '127.0.0.1',
      datacenter: options.node?.datacenter ?? 'dc1',
    };
  }

  /** Opens a catalog over `store`, loading what it holds (TTL checks get a grace period). */
  static async open(options: CatalogOptions): Promise<Catalog> {
    const catalog = new Catalog(options);
    await catalog.#load(options.ttlGraceMs ?? 30_000);
    return catalog;
  }

  // ---- indexes -------------------------------------------------------------------------------

  /** The highest index handed out (monotonic, never 0). */
  get index(): number {
    return this.#index;
  }

  /** Index of the last change to the set of services or their tags. */
  get servicesIndex(): number {
    return this.#servicesIndex;
  }

  /** Index of the last change to any check (health state queries). */
  get checksIndex(): number {
    return this.#checksIndex;
  }

  /** Index of the last change touching service `name` (its instances or their checks). */
  serviceIndex(name: string): number {
    return this.#serviceIndex.get(name) ?? this.#servicesIndex;
  }

  // ---- reads ---------------------------------------------------------------------------------

  getService(id: string): ServiceInstance | undefined {
    return this.#services.get(id);
  }

  services(): IterableIterator<ServiceInstance> {
    return this.#services.values();
  }

  /** Service name → every tag its instances carry. */
  serviceTags(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [name, instances] of this.#byName) {
      const tags = new Set<string>();
      for (const s of instances.values()) for (const t of s.tags) tags.add(t);
      out.set(name, [...tags]);
    }
    return out;
  }

  instancesOf(name: string): ServiceInstance[] {
    return [...(this.#byName.get(name)?.values() ?? [])];
  }

  getCheck(id: string): CheckState | undefined {
    return this.#checks.get(id);
  }

  checks(): IterableIterator<CheckState> {
    return this.#checks.values();
  }

  /** Checks of one instance (service-level only). */
  checksOfInstance(serviceId: string): CheckState[] {
    const ids = this.#checkIdsByService.get(serviceId);
    if (!ids) return [];
    const out: CheckState[] = [];
    for (const id of ids) out.push(this.#checks.get(id)!);
    return out;
  }

  /** Node-level checks (those without a service), e.g. `serfHealth`. */
  nodeChecks(): CheckState[] {
    return [...this.#nodeCheckIds].map((id) => this.#checks.get(id)!);
  }

  /**
   * Instances of `name` with their checks (node checks included) and combined status.
   * hot path: answers are cached per service until its index moves.
   */
  healthOf(
    name: string,
    options: { passingOnly?: boolean; tags?: readonly string[] } = {},
  ): readonly HealthEntry[] {
    let entries = this.#health(name);
    if (options.passingOnly) entries = entries.filter((e) => e.status === 'passing');
    const tags = options.tags;
    if (tags && tags.length > 0) {
      entries = entries.filter((e) => tags.every((t) => e.service.tags.includes(t)));
    }
    return entries;
  }

  #health(name: string): HealthEntry[] {
    const index = this.serviceIndex(name);
    const cached = this.#healthCache.get(name);
    if (cached && cached.index === index) return cached.entries;
    const nodeChecks = this.nodeChecks();
    const entries: HealthEntry[] = [];
    for (const service of this.#byName.get(name)?.values() ?? []) {
      const checks = [...nodeChecks, ...this.checksOfInstance(service.id)];
      entries.push({ service, checks, status: worst(checks) });
    }
    this.#healthCache.set(name, { index, entries });
    return entries;
  }

  // ---- service writes ------------------------------------------------------------------------

  /** Registers or replaces an instance and upserts its checks; resolves once durable. */
  registerService(
    spec: ServiceSpec,
    checks: readonly CheckSpec[] = [],
    options: { replaceExistingChecks?: boolean } = {},
  ): Promise<ServiceInstance> {
    return this.#serial(async () => {
      const index = this.#index + 1;
      const previous = this.#services.get(spec.id);
      const service: ServiceInstance = {
        ...spec,
        createIndex: previous?.createIndex ?? index,
        modifyIndex: index,
      };
      const newChecks = checks.map((c) => this.#newCheck(c, index, true));
      const keep = new Set(newChecks.map((c) => c.definition.id));
      const dropped = options.replaceExistingChecks
        ? this.checksOfInstance(spec.id).filter((c) => !keep.has(c.definition.id))
        : [];
      await this.#persist(index, [
        { op: 'putService', service },
        ...newChecks.map((check) => ({ op: 'putCheck', check }) as const),
        ...dropped.map((c) => ({ op: 'deleteCheck', id: c.definition.id }) as const),
      ]);
      if (previous && previous.name !== spec.name) this.#unindex(previous, index);
      this.#services.set(service.id, service);
      this.#nameMap(service.name).set(service.id, service);
      for (const c of newChecks) this.#putCheck(c);
      for (const c of dropped) this.#dropCheck(c.definition.id);
      this.#servicesIndex = index;
      if (newChecks.length > 0 || dropped.length > 0) this.#checksIndex = index;
      this.#touch(service.name, index);
      for (const c of newChecks) this.#checkChanged(c.definition.id);
      for (const c of dropped) this.#checkChanged(c.definition.id);
      return service;
    });
  }

  /** Removes an instance and its checks; resolves false if it was unknown (a no-op, as Consul). */
  deregisterService(id: string): Promise<boolean> {
    return this.#serial(async () => {
      const service = this.#services.get(id);
      if (!service) return false;
      const index = this.#index + 1;
      const checks = this.checksOfInstance(id);
      await this.#persist(index, [
        { op: 'deleteService', id },
        ...checks.map((c) => ({ op: 'deleteCheck', id: c.definition.id }) as const),
      ]);
      for (const c of checks) this.#dropCheck(c.definition.id);
      this.#unindex(service, index);
      this.#services.delete(id);
      this.#servicesIndex = index;
      if (checks.length > 0) this.#checksIndex = index;
      this.#touch(service.name, index);
      for (const c of checks) this.#checkChanged(c.definition.id);
      return true;
    });
  }

  // ---- check writes --------------------------------------------------------------------------

  /** Registers (or replaces) one check; its service must exist. */
  registerCheck(spec: CheckSpec): Promise<CheckState> {
    return this.#serial(async () => {
      const serviceId = spec.definition.serviceId;
      const service = serviceId === undefined ? undefined : this.#services.get(serviceId);
      if (serviceId !== undefined && !service) throw new UnknownServiceError(serviceId);
      const index = this.#index + 1;
      const check = this.#newCheck(spec, index, false);
      await this.#persist(index, [{ op: 'putCheck', check }]);
      this.#putCheck(check);
      this.#checksIndex = index;
      this.#touchCheck(check, index);
      return check;
    });
  }

  deregisterCheck(id: string): Promise<void> {
    return this.#serial(async () => {
      const check = this.#checks.get(id);
      if (!check || id === SERF_CHECK_ID) throw new UnknownCheckError(id);
      const index = this.#index + 1;
      await this.#persist(index, [{ op: 'deleteCheck', id }]);
      this.#dropCheck(id);
      this.#checksIndex = index;
      this.#touchCheck(check, index);
    });
  }

  /**
   * Sets a check's status (TTL pass/warn/fail, update, or a health probe's verdict) and, for TTL
   * checks, restarts its TTL. An unchanged status and output touch memory only: heartbeats cost
   * no write and wake no watcher.
   */
  updateCheck(id: string, status: HealthStatus, output?: string): Promise<CheckState> {
    const check = this.#checks.get(id);
    if (!check || id === SERF_CHECK_ID) return Promise.reject(new UnknownCheckError(id));
    const now = this.clock.now();
    const ttl = check.definition.ttlMs;
    const ttlDeadline = ttl === undefined ? undefined : now + ttl;
    const text = output === undefined ? check.output : output.slice(0, MAX_OUTPUT);
    if (check.status === status && check.output === text) {
      const refreshed = { ...check, ttlDeadline };
      this.#putCheck(refreshed);
      return Promise.resolve(refreshed);
    }
    return this.#serial(async () => {
      const current = this.#checks.get(id);
      if (!current) throw new UnknownCheckError(id);
      const index = this.#index + 1;
      const next: CheckState = {
        ...current,
        status,
        output: text,
        modifyIndex: index,
        ttlDeadline,
        criticalSince:
          status !== 'critical' ? undefined : (current.criticalSince ?? this.clock.now()),
      };
      await this.#persist(index, [{ op: 'putCheck', check: next }]);
      this.#putCheck(next);
      this.#checksIndex = index;
      this.#touchCheck(next, index);
      return next;
    });
  }

  /**
   * Turns a TTL check critical because its deadline passed, keeping that deadline (`updateCheck`
   * would restart it). The deadline is checked again in the write queue, so a heartbeat that
   * arrived meanwhile wins. Resolves whether the check changed.
   */
  expireTtl(id: string, output: string): Promise<boolean> {
    return this.#serial(async () => {
      const current = this.#checks.get(id);
      const deadline = current?.ttlDeadline;
      if (!current || deadline === undefined || deadline > this.clock.now()) return false;
      const text = output.slice(0, MAX_OUTPUT);
      if (current.status === 'critical' && current.output === text) return false;
      const index = this.#index + 1;
      const next: CheckState = {
        ...current,
        status: 'critical',
        output: text,
        modifyIndex: index,
        criticalSince: current.criticalSince ?? this.clock.now(),
      };
      await this.#persist(index, [{ op: 'putCheck', check: next }]);
      this.#putCheck(next);
      this.#checksIndex = index;
      this.#touchCheck(next, index);
      return true;
    });
  }

  /**
   * Calls `listener` with a check's ID after the check is added, replaced, removed or changes
   * status or output — not for a heartbeat that only moves its TTL deadline (that path stays
   * free). The health monitors follow the catalog with it; returns the unsubscribe function.
   */
  onCheckChange(listener: (id: string) => void): Dispose {
    this.#checkListeners.add(listener);
    return () => this.#checkListeners.delete(listener);
  }

  // ---- KV writes -----------------------------------------------------------------------------

  /** Writes a key; with `cas`, only if its modify index matches (0: only if absent). */
  kvPut(
    key: string,
    value: Uint8Array,
    options: { flags?: string; cas?: number } = {},
  ): Promise<boolean> {
    return this.#serial(async () => {
      const index = this.#index + 1;
      const entry = this.kv.planPut(key, value, options.flags ?? '0', options.cas, index);
      if (!entry) return false;
      await this.#persist(index, [{ op: 'putKv', entry }]);
      this.kv.commitPut(entry);
      this.hub.publish({ kind: 'kv', key, index });
      return true;
    });
  }

  /** Deletes a key or, with `recurse`, every key under a prefix; `cas` guards a single key. */
  kvDelete(key: string, options: { recurse?: boolean; cas?: number } = {}): Promise<boolean> {
    return this.#serial(async () => {
      const keys = this.kv.planDelete(key, options.recurse ?? false, options.cas);
      if (!keys) return false;
      if (keys.length === 0) return true;
      const index = this.#index + 1;
      await this.#persist(
        index,
        keys.map((k) => ({ op: 'deleteKv', key: k }) as const),
      );
      this.kv.commitDelete(keys, index);
      for (const k of keys) this.hub.publish({ kind: 'kv', key: k, index });
      return true;
    });
  }

  kvGet(key: string): KvEntry | undefined {
    return this.kv.get(key);
  }

  /** Waits for pending writes, then closes the store. */
  async close(): Promise<void> {
    await this.#writes.catch(() => {});
    await this.#store.close();
  }

  // ---- internals -----------------------------------------------------------------------------

  #serial<T>(write: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(write, write);
    this.#writes = run.catch(() => {});
    return run;
  }

  async #persist(index: number, writes: StoreWrite[]): Promise<void> {
    await this.#store.apply([...writes, { op: 'setIndex', index }]);
    this.#index = index;
  }

  #newCheck(spec: CheckSpec, index: number, keepState: boolean): CheckState {
    const def = spec.definition;
    const previous = this.#checks.get(def.id);
    const status = spec.status ?? (keepState && previous ? previous.status : 'critical');
    const now = this.clock.now();
    return {
      definition: def,
      status,
      output: (spec.output ?? (keepState && previous ? previous.output : '')).slice(0, MAX_OUTPUT),
      createIndex: previous?.createIndex ?? index,
      modifyIndex: index,
      criticalSince: status === 'critical' ? (previous?.criticalSince ?? now) : undefined,
      ttlDeadline: def.ttlMs === undefined ? undefined : now + def.ttlMs,
    };
  }

  #putCheck(check: CheckState): void {
    const id = check.definition.id;
    const previous = this.#checks.get(id);
    this.#checks.set(id, check);
    // hot path (every heartbeat): the same check of the same instance needs no relinking
    if (previous && previous.definition.serviceId === check.definition.serviceId) return;
    if (previous) this.#unlinkCheck(previous);
    const serviceId = check.definition.serviceId;
    if (serviceId === undefined) {
      this.#nodeCheckIds.add(id);
      return;
    }
    let ids = this.#checkIdsByService.get(serviceId);
    if (!ids) this.#checkIdsByService.set(serviceId, (ids = new Set()));
    ids.add(id);
  }

  #dropCheck(id: string): void {
    const check = this.#checks.get(id);
    if (!check) return;
    this.#checks.delete(id);
    this.#unlinkCheck(check);
  }

  #unlinkCheck(check: CheckState): void {
    const serviceId = check.definition.serviceId;
    if (serviceId === undefined) {
      this.#nodeCheckIds.delete(check.definition.id);
      return;
    }
    const ids = this.#checkIdsByService.get(serviceId);
    ids?.delete(check.definition.id);
    if (ids?.size === 0) this.#checkIdsByService.delete(serviceId);
  }

  #nameMap(name: string): Map<string, ServiceInstance> {
    let map = this.#byName.get(name);
    if (!map) this.#byName.set(name, (map = new Map<string, ServiceInstance>()));
    return map;
  }

  #unindex(service: ServiceInstance, index: number): void {
    const map = this.#byName.get(service.name);
    map?.delete(service.id);
    if (map?.size === 0) this.#byName.delete(service.name);
    this.#touch(service.name, index);
  }

  #touch(name: string, index: number): void {
    this.#serviceIndex.set(name, index);
    this.hub.publish({ kind: 'service', name, index } satisfies Change);
  }

  #checkChanged(id: string): void {
    for (const listener of this.#checkListeners) listener(id);
  }

  #touchCheck(check: CheckState, index: number): void {
    this.#checkChanged(check.definition.id);
    const serviceId = check.definition.serviceId;
    if (serviceId === undefined) {
      for (const name of this.#byName.keys()) this.#serviceIndex.set(name, index);
      this.hub.publish({ kind: 'node', index });
      return;
    }
    const service = this.#services.get(serviceId);
    if (service) this.#touch(service.name, index);
  }

  async #load(ttlGraceMs: number): Promise<void> {
    const state = await this.#store.load();
    const now = this.clock.now();
    this.#index = this.#servicesIndex = this.#checksIndex = Math.max(1, state.index);
    for (const s of state.services) {
      this.#services.set(s.id, s);
      this.#nameMap(s.name).set(s.id, s);
      this.#serviceIndex.set(s.name, this.#index);
    }
    for (const c of state.checks) {
      const ttl = c.definition.ttlMs;
      this.#putCheck({
        ...c,
        ttlDeadline: ttl === undefined ? undefined : now + ttl + ttlGraceMs,
        criticalSince: c.status === 'critical' ? now : undefined,
      });
    }
    this.kv.load(state.kv);
    this.#putCheck(serfHealth());
  }
}

function worst(checks: readonly CheckState[]): HealthStatus {
  let status: HealthStatus = 'passing';
  for (const c of checks) if (SEVERITY[c.status] > SEVERITY[status]) status = c.status;
  return status;
}

/** The node-level check Consul includes in every health answer; always passing here. */
function serfHealth(): CheckState {
  return {
    definition: {
      id: SERF_CHECK_ID,
      name: 'Serf Health Status',
      notes: '',
      type: 'serf',
      successBeforePassing: 0,
      failuresBeforeCritical: 0,
    },
    status: 'passing',
    output: 'Agent alive and reachable',
    createIndex: 1,
    modifyIndex: 1,
  };
}
