import type { Catalog } from '../../catalog/catalog.js';
import type { HealthEntry } from '../../catalog/model.js';
import { encodeHealthEntry, encodeNode } from './consul-json.js';

const MAX_CACHED = 4096;

interface Cached {
  readonly index: number;
  /** Only the UTF-8 bytes are kept (a 10k-instance answer is 12 MB; text and bytes would be 2×). */
  readonly bytes: Buffer;
}

/**
 * The JSON text of `GET /v1/health/service/:name` (and of the push stream's events), cached per
 * service and `passing` until the service's index moves. hot path: a discovery poll or a watch
 * wake-up for an unchanged service costs one Map lookup instead of re-encoding every instance;
 * the cache is bounded (cleared when it outgrows `MAX_CACHED` services).
 */
export class HealthAnswers {
  readonly #catalog: Catalog;
  readonly #node: Record<string, unknown>;
  readonly #cache = new Map<string, Cached>();

  constructor(catalog: Catalog) {
    this.#catalog = catalog;
    this.#node = encodeNode(catalog.node);
  }

  /** The answer for service `name`, passing-only or not, filtered by every tag in `tags`. */
  json(name: string, passing: boolean, tags: readonly string[] = []): string {
    if (tags.length > 0) {
      return this.#encode(this.#catalog.healthOf(name, { passingOnly: passing, tags }));
    }
    return this.#cached(name, passing).bytes.toString('utf8');
  }

  /** The same answer as UTF-8 bytes, encoded once per index, ready to send. */
  bytes(name: string, passing: boolean, tags: readonly string[] = []): Buffer | string {
    if (tags.length > 0) return this.json(name, passing, tags);
    return this.#cached(name, passing).bytes;
  }

  #cached(name: string, passing: boolean): Cached {
    const key = passing ? `1${name}` : `0${name}`;
    const index = this.#catalog.serviceIndex(name);
    const hit = this.#cache.get(key);
    if (hit && hit.index === index) return hit;
    const json = this.#encode(this.#catalog.healthOf(name, { passingOnly: passing }));
    if (this.#cache.size >= MAX_CACHED && !hit) this.#cache.clear();
    const entry: Cached = { index, bytes: Buffer.from(json) };
    this.#cache.set(key, entry);
    return entry;
  }

  #encode(entries: readonly HealthEntry[]): string {
    const nodeName = this.#catalog.node.name;
    return JSON.stringify(entries.map((e) => encodeHealthEntry(e, this.#node, nodeName)));
  }
}
