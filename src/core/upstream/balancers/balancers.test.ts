import { balancerContract } from './balancer.contract.js';
import { BALANCER_KINDS, createBalancer } from './create-balancer.js';

for (const kind of BALANCER_KINDS)
  balancerContract(kind, (options) => createBalancer(kind, options));
