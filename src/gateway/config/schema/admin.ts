import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { listenAddress, secret, withDefault } from './scalars.js';

/** `admin`: the admin API listener (absent or `false`: none). Loopback unless a token is set. */
export const adminSchema = z.union([
  z.literal(false),
  z.strictObject({
    listen: withDefault(listenAddress(), DEFAULTS.adminListen),
    token: secret(z.string().min(1)).optional(),
  }),
]);

export type AdminInput = z.output<typeof adminSchema>;
