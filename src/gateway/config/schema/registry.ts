import { z } from 'zod';
import { httpUrl, secret } from './scalars.js';

/** `registry`: the Consul-compatible registry that services without targets are found in. */
export const registrySchema = z.strictObject({
  address: httpUrl('the registry address'),
  token: secret(z.string().min(1)).optional(),
  datacenter: z.string().min(1).optional(),
});

export type RegistryInput = z.output<typeof registrySchema>;
