export { AuthError, AuthUnavailableError } from './auth-error.js';
export { OidcVerifier, OIDC_ALGORITHMS, tokenScopes, tokenClient } from './oidc-verifier.js';
export type { OidcVerifierOptions } from './oidc-verifier.js';
export { API_KEY_PREFIX } from './api-key-secret.js';
export { createApiKey, listApiKeys, revokeApiKey, verifyApiKey, assertApiKeyName } from './api-key-store.js';
export type { ApiKeyInfo } from './api-key-store.js';
export { createBearerAuthenticator, bearerAuthenticatorFromConfig, isApiEnabled } from './bearer-authenticator.js';
export type { BearerAuthenticatorOptions } from './bearer-authenticator.js';
export type { AuthenticatedClient, AuthMethod, BearerAuthenticator } from './types.js';
// api-key-secret.ts's hashing helpers stay internal: callers go through the store.
