import { silentLogger } from '../../logger.js';
import type { EndpointSpec } from '../endpoint.js';
import { BaseEndpointSource } from './base-endpoint-source.js';
import { sortById, type EndpointSource } from './endpoint-source.js';
import { InvalidSourceOptionError } from './discovery-errors.js';

class StaticSource extends BaseEndpointSource {
  constructor(specs: readonly EndpointSpec[]) {
    super(silentLogger);
    const seen = new Set<string>();
    for (const spec of specs) {
      if (seen.has(spec.id))
        throw new InvalidSourceOptionError('staticSource', `duplicate id ${spec.id}`);
      seen.add(spec.id);
    }
    this.accept(sortById([...specs]));
  }

  protected stop(): void {}
}

/**
 * A fixed list (from config): ready at once, status `ok`, never updates. Ids must be unique.
 *
 * @example
 * const source = staticSource([endpointSpecFromUrl('http://10.0.0.1:8080')]);
 * source.current(); // [{ id: '10.0.0.1:8080', url: 'http://10.0.0.1:8080' }]
 */
export function staticSource(specs: readonly EndpointSpec[]): EndpointSource {
  return new StaticSource(specs);
}
