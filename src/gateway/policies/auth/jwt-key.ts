import { createPublicKey, type KeyObject } from 'node:crypto';
import { invalidOption } from './auth-answers.js';

const HMAC = ['HS256', 'HS384', 'HS512'];
const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const OKP = ['EdDSA', 'Ed25519'];
/** Every asymmetric algorithm a JWKS key may use (HS* never: JWKS keys are public). */
const ASYMMETRIC = [...RSA, 'ES256', 'ES384', 'ES512', ...OKP];

/** The verification key (or key resolver input) of a `jwtAuth` policy, with its allowed algorithms. */
export type JwtKeySource =
  | { kind: 'secret'; key: Uint8Array; algorithms: string[] }
  | { kind: 'publicKey'; key: KeyObject; algorithms: string[] }
  | { kind: 'jwks'; url: string; algorithms: string[] };

/**
 * Resolves the configured key and the algorithms it may verify. The allowed set follows the key
 * type, so a token can never pick an algorithm of another family: that is what stops `alg: none`
 * and HS/RS key confusion (an HS256 token "signed" with the RSA public key as its secret).
 */
export function resolveJwtKey(options: {
  secret?: string | undefined;
  publicKey?: string | undefined;
  jwks?: string | undefined;
  algorithms?: readonly string[] | undefined;
}): JwtKeySource {
  const given = (['secret', 'publicKey', 'jwks'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1)
    throw invalidOption(
      'jwt',
      `needs exactly one of secret, publicKey or jwks (got ${given.length})`,
    );
  if (options.secret !== undefined) {
    const key = new TextEncoder().encode(options.secret);
    // RFC 7518 §3.2: an HMAC key at least as long as the hash output; 32 bytes for HS256.
    if (key.length < 32) throw invalidOption('jwt.secret', 'must be at least 32 bytes');
    return { kind: 'secret', key, algorithms: allowed(HMAC, options.algorithms) };
  }
  if (options.publicKey !== undefined) {
    let key: KeyObject;
    try {
      key = createPublicKey(options.publicKey);
    } catch (error) {
      throw invalidOption('jwt.publicKey', `not a PEM public key (${(error as Error).message})`);
    }
    return { kind: 'publicKey', key, algorithms: allowed(familyOf(key), options.algorithms) };
  }
  return { kind: 'jwks', url: options.jwks!, algorithms: allowed(ASYMMETRIC, options.algorithms) };
}

function familyOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return RSA;
    case 'rsa-pss':
      return RSA.filter((a) => a.startsWith('PS'));
    case 'ec': {
      const alg = EC[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (alg !== undefined) return [alg];
      break;
    }
    case 'ed25519':
    case 'ed448':
      return OKP;
  }
  throw invalidOption('jwt.publicKey', `unsupported key type ${key.asymmetricKeyType ?? '?'}`);
}

function allowed(family: readonly string[], wanted: readonly string[] | undefined): string[] {
  if (wanted === undefined) return [...family];
  if (wanted.length === 0) throw invalidOption('jwt.algorithms', 'must not be empty');
  for (const alg of wanted)
    if (!family.includes(alg))
      throw invalidOption(
        'jwt.algorithms',
        `${JSON.stringify(alg)} does not fit the key (allowed: ${family.join(', ')})`,
      );
  return [...wanted];
}
