import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { duration, size, withDefault } from './scalars.js';

const d = DEFAULTS.limits;

/** `limits`: per-connection and per-request bounds on what clients may send. */
export const limitsSchema = z.strictObject({
  maxHeaderSize: withDefault(
    size().refine((n) => n >= 1024 && n <= 1024 * 1024, { error: 'must be between 1kb and 1mb' }),
    '16kb',
  ),
  maxBodySize: withDefault(size(), '10mb'),
  requestTimeout: withDefault(duration({ positive: true }), `${d.requestTimeout / 1000}s`),
  headersTimeout: withDefault(duration({ positive: true }), `${d.headersTimeout / 1000}s`),
  keepAliveTimeout: withDefault(duration(), `${d.keepAliveTimeout / 1000}s`),
  drainTimeout: withDefault(duration(), `${d.drainTimeout / 1000}s`),
});

export type LimitsInput = z.output<typeof limitsSchema>;
