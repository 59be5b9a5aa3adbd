/** Backend-for-Frontend aggregation: one request fans out to several upstream parts in parallel. */
export {
  createAggregator,
  type AggregatePart,
  type AggregateRequest,
  type AggregateResult,
  type Aggregator,
  type AggregatorOptions,
  type PartCall,
  type PartCallInit,
  type PartResponse,
} from './aggregator.js';
export { compilePathTemplate, type PathTemplate } from './path-template.js';
export { readBoundedBody, type ByteStream } from './read-bounded-body.js';
