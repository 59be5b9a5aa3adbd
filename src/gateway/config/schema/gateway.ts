/**
 * The whole gateway config file: one zod object per section, each in its own file, composed
 * here. Sections added later (auth, rate limits, cache…) get a file and one line below.
 */
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { adminSchema } from './admin.js';
import { consumerSchema, redisSchema, trustedProxySchema } from './edge.js';
import { limitsSchema } from './limits.js';
import { listenSchema } from './listen.js';
import { registrySchema } from './registry.js';
import { routeSchema } from './route.js';
import { withDefault } from './scalars.js';
import { SERVICE_NAME, serviceSchema } from './service.js';

const serviceName = z.string().regex(SERVICE_NAME, {
  error:
    'a service name is letters, digits, ".", "_" and "-" (at most 128, not starting with . _ -)',
});

/**
 * The gateway config file's schema: validates the parsed YAML and parses durations, sizes and
 * addresses. `normalizeConfig` turns its output into `GatewayConfig`.
 *
 * @example const result = gatewaySchema.safeParse(YAML.parse(text));
 */
export const gatewaySchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'JSON Schema URL for editors; ignored' }),
    listen: listenSchema,
    admin: adminSchema.optional(),
    registry: registrySchema.optional(),
    workers: withDefault(z.int().min(1).max(256), DEFAULTS.workers),
    limits: limitsSchema.optional(),
    accessLog: withDefault(
      z.union([
        z.boolean(),
        z.strictObject({ enabled: withDefault(z.boolean(), DEFAULTS.accessLog) }),
      ]),
      DEFAULTS.accessLog,
    ),
    reload: z.strictObject({ watch: withDefault(z.boolean(), DEFAULTS.reloadWatch) }).optional(),
    services: z.record(serviceName, serviceSchema).optional(),
    routes: z.array(routeSchema).optional(),
    consumers: z.array(consumerSchema).optional(),
    redis: redisSchema.optional(),
    trustedProxies: z.array(trustedProxySchema).optional(),
  })
  .meta({
    title: 'Switchyard gateway config',
    description: 'The gateway config file (YAML). See docs/reference/gateway-config.md.',
  });

/** The validated (not yet normalized) config: what `normalize` turns into `GatewayConfig`. */
export type GatewayInput = z.output<typeof gatewaySchema>;
