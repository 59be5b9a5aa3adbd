/** Gateway authentication policies: JWT (secret, PEM, JWKS), API keys, forward auth. */
export { jwtAuth, type JwtAuthOptions } from './jwt-auth.js';
export { JwksCache, type JwksCacheOptions, type JwksStatus } from './jwks-cache.js';
export { apiKeyAuth, type ApiKeyAuthOptions, type ApiKeyConsumer } from './api-key-auth.js';
export { forwardAuth, type ForwardAuthOptions } from './forward-auth.js';
