import type { Config } from '../config/index.js';
import type { Db } from '../storage/db.js';
import { AuthError } from './auth-error.js';
import { API_KEY_PREFIX } from './api-key-secret.js';
import { verifyApiKey } from './api-key-store.js';
import { OidcVerifier, type OidcVerifierOptions } from './oidc-verifier.js';
import type { AuthenticatedClient, BearerAuthenticator } from './types.js';

export interface BearerAuthenticatorOptions {
  /** OIDC bearer JWTs; unset = tokens are refused. */
  oidc?: OidcVerifier;
  /** Database holding `api_keys`; unset = API keys are refused. */
  apiKeysDb?: Pick<Db, 'query'>;
  /** The scope a credential needs (`API_SCOPE`); an API key is granted exactly this one. */
  requiredScope: string;
}

/** RFC 6750 §2.1: `Authorization: Bearer <token>`, scheme case-insensitive. */
const BEARER_RE = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * One check for every surface: an `r1_…` value is an API key, anything else a JWT from the OIDC
 * issuer. Each kind is only accepted when configured.
 */
export function createBearerAuthenticator(o: BearerAuthenticatorOptions): BearerAuthenticator {
  return {
    requiredScope: o.requiredScope,
    async authenticate(header: string | undefined): Promise<AuthenticatedClient> {
      if (!header) throw new AuthError(401, 'missing Authorization header: send Authorization: Bearer <token or API key>');
      const m = BEARER_RE.exec(header);
      if (!m) throw new AuthError(401, 'the Authorization header must be Bearer <token or API key>');
      const credential = m[1]!;
      if (credential.startsWith(API_KEY_PREFIX)) {
        if (!o.apiKeysDb) throw new AuthError(401, 'API keys are not accepted here (API_KEYS is off)');
        const name = await verifyApiKey(o.apiKeysDb, credential);
        if (!name) throw new AuthError(401, 'invalid or revoked API key');
        return { client: name, via: 'api_key', scopes: [o.requiredScope] };
      }
      if (!o.oidc) throw new AuthError(401, 'bearer tokens are not accepted here (OIDC_ISSUER is not set)');
      return o.oidc.verify(credential);
    },
  };
}

/** The API is mounted only when some authentication is configured: nothing is open by default. */
export const isApiEnabled = (cfg: Pick<Config, 'OIDC_ISSUER' | 'API_KEYS'>): boolean => Boolean(cfg.OIDC_ISSUER) || cfg.API_KEYS;

/**
 * The authenticator the configuration asks for, or undefined when the API is off (neither
 * `OIDC_ISSUER` nor `API_KEYS=true`).
 */
export function bearerAuthenticatorFromConfig(
  cfg: Pick<Config, 'OIDC_ISSUER' | 'OIDC_AUDIENCE' | 'OIDC_CLOCK_TOLERANCE_S' | 'API_SCOPE' | 'API_KEYS'>,
  db: Pick<Db, 'query'>,
  oidcOverrides: Partial<OidcVerifierOptions> = {},
): BearerAuthenticator | undefined {
  if (!isApiEnabled(cfg)) return undefined;
  const oidc = cfg.OIDC_ISSUER
    ? new OidcVerifier({ issuer: cfg.OIDC_ISSUER, audience: cfg.OIDC_AUDIENCE ?? '', requiredScope: cfg.API_SCOPE, clockToleranceS: cfg.OIDC_CLOCK_TOLERANCE_S, ...oidcOverrides })
    : undefined;
  return createBearerAuthenticator({ oidc, apiKeysDb: cfg.API_KEYS ? db : undefined, requiredScope: cfg.API_SCOPE });
}
