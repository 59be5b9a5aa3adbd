import type { ServiceSpec } from '../../src/registry/catalog/catalog.js';

/** A valid instance spec for catalog-level tests (the API translators build these in production). */
export function serviceSpec(id: string, name = 'web', tags: readonly string[] = []): ServiceSpec {
  return {
    id,
    name,
    address: '127.0.0.1',
    port: 8080,
    tags,
    meta: {},
    weights: { passing: 1, warning: 1 },
    enableTagOverride: false,
  };
}
