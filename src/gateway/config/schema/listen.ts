import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { listenAddress, withDefault } from './scalars.js';

/** TLS for the gateway's listener; file paths are relative to the config file. */
export const listenTlsSchema = z.strictObject({
  cert: z.string().min(1).meta({ description: 'PEM certificate chain file' }),
  key: z.string().min(1).meta({ description: 'PEM private key file' }),
  minVersion: withDefault(z.enum(['TLSv1.2', 'TLSv1.3']), DEFAULTS.tlsMinVersion),
});

/**
 * `listen`: where the gateway accepts client traffic. A bare address, or an object adding TLS
 * and HTTP/2.
 */
export const listenSchema = z.union([
  listenAddress(),
  z
    .strictObject({
      address: listenAddress(),
      tls: listenTlsSchema.optional(),
      http2: withDefault(z.boolean(), DEFAULTS.http2),
    })
    .superRefine((listen, ctx) => {
      if (listen.http2 && !listen.tls) {
        ctx.addIssue({
          code: 'custom',
          message: 'HTTP/2 is served over TLS (chosen by ALPN): add listen.tls',
          path: ['http2'],
        });
      }
    }),
]);

export type ListenInput = z.output<typeof listenSchema>;
