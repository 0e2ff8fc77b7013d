import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { AuthError, AuthUnavailableError } from './auth-error.js';
import type { AuthenticatedClient } from './types.js';

/** Signature algorithms accepted on API tokens; `none`, HMAC and everything else are refused. */
export const OIDC_ALGORITHMS = ['RS256', 'ES256', 'PS256'] as const;

export interface OidcVerifierOptions {
  /** Issuer URL (`OIDC_ISSUER`); must equal the discovery document's `issuer`. */
  issuer: string;
  /** Required `aud` (`OIDC_AUDIENCE`). */
  audience: string;
  /** Scope the token must carry in `scope` or `scp` (`API_SCOPE`). */
  requiredScope: string;
  /** Clock skew allowed on `exp`/`nbf`/`iat`, in seconds. Defaults to 30. */
  clockToleranceS?: number;
  /**
   * Least time between two JWKS fetches, in ms. A token with an unknown `kid` (key rotation)
   * refetches the key set once this has passed since the last fetch. Defaults to 30 000 (jose's
   * default); it also bounds how often forged `kid`s can make us call the issuer.
   */
  jwksCooldownMs?: number;
  /** How long a fetched key set is used before it is refetched, in ms. Defaults to 600 000. */
  jwksCacheMaxAgeMs?: number;
  /** Timeout for the discovery and JWKS requests, in ms. Defaults to 5 000. */
  fetchTimeoutMs?: number;
}

interface Discovery {
  issuer: string;
  jwks: ReturnType<typeof createRemoteJWKSet>;
}

const trimSlash = (u: string) => u.replace(/\/+$/, '');

/** The scopes of a token: OAuth2's space-separated `scope`, or Azure AD's `scp` (string or array). */
/** Group ids in a token: `groups` (Entra ID, Keycloak with the groups mapper) and `roles`, strings only. */
export function tokenGroups(payload: JWTPayload): string[] {
  const out = new Set<string>();
  for (const claim of [payload.groups, payload.roles]) {
    if (Array.isArray(claim)) for (const g of claim) if (typeof g === 'string' && g) out.add(g);
  }
  return [...out];
}

export function tokenScopes(payload: JWTPayload): string[] {
  const out = new Set<string>();
  for (const claim of [payload.scope, payload.scp]) {
    if (typeof claim === 'string') {
      for (const s of claim.split(' ')) if (s) out.add(s);
    } else if (Array.isArray(claim)) {
      for (const s of claim) if (typeof s === 'string' && s) out.add(s);
    }
  }
  return [...out];
}

/** The calling application: `azp`, else `client_id`, else `sub`. */
export function tokenClient(payload: JWTPayload): string | undefined {
  for (const c of [payload.azp, payload.client_id, payload.sub]) if (typeof c === 'string' && c) return c;
  return undefined;
}

/**
 * Verifies OAuth2 bearer JWTs against an OpenID Connect issuer with `jose`. The discovery
 * document (`/.well-known/openid-configuration`, OpenID Connect Discovery 1.0 §4) is fetched on
 * first use and kept; a failed fetch is retried on the next request. The JWKS is cached by jose
 * and refetched when a token names an unknown `kid`.
 */
export class OidcVerifier {
  private discovery?: Promise<Discovery>;
  private readonly clockToleranceS: number;
  private readonly fetchTimeoutMs: number;

  constructor(private readonly opts: OidcVerifierOptions) {
    if (!opts.issuer) throw new Error('OidcVerifier: issuer is required (OIDC_ISSUER)');
    if (!opts.audience) throw new Error('OidcVerifier: audience is required (OIDC_AUDIENCE)');
    if (!opts.requiredScope) throw new Error('OidcVerifier: requiredScope is required (API_SCOPE)');
    this.clockToleranceS = opts.clockToleranceS ?? 30;
    this.fetchTimeoutMs = opts.fetchTimeoutMs ?? 5000;
  }

  /** Verifies a compact JWT. Throws `AuthError` (401, or 403 without the scope) or `AuthUnavailableError`. */
  async verify(token: string): Promise<AuthenticatedClient> {
    const { issuer, jwks } = await this.discover();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer,
        audience: this.opts.audience,
        algorithms: [...OIDC_ALGORITHMS],
        clockTolerance: this.clockToleranceS,
        requiredClaims: ['exp'],
      }));
    } catch (e) {
      throw toAuthError(e);
    }
    const client = tokenClient(payload);
    if (!client) throw new AuthError(401, 'the token names no client (azp, client_id or sub)');
    const scopes = tokenScopes(payload);
    if (!scopes.includes(this.opts.requiredScope)) throw new AuthError(403, `the token lacks the required scope ${this.opts.requiredScope}`);
    const groups = tokenGroups(payload);
    return { client, via: 'oidc', scopes, ...(groups.length ? { groups } : {}) };
  }

  private discover(): Promise<Discovery> {
    this.discovery ??= this.fetchDiscovery().catch((e: unknown) => {
      this.discovery = undefined; // retried on the next request
      throw e;
    });
    return this.discovery;
  }

  private async fetchDiscovery(): Promise<Discovery> {
    const url = `${trimSlash(this.opts.issuer)}/.well-known/openid-configuration`;
    let doc: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.fetchTimeoutMs), headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      doc = (await res.json()) as typeof doc;
    } catch (e) {
      throw new AuthUnavailableError(`OIDC discovery failed at ${url}: ${(e as Error).message}`, { cause: e });
    }
    if (typeof doc.issuer !== 'string' || trimSlash(doc.issuer) !== trimSlash(this.opts.issuer)) {
      throw new AuthUnavailableError(`OIDC discovery at ${url} names issuer ${JSON.stringify(doc.issuer)}, not OIDC_ISSUER ${this.opts.issuer}`);
    }
    if (typeof doc.jwks_uri !== 'string') throw new AuthUnavailableError(`OIDC discovery at ${url} has no jwks_uri`);
    const jwks = createRemoteJWKSet(new URL(doc.jwks_uri), {
      cooldownDuration: this.opts.jwksCooldownMs ?? 30_000,
      cacheMaxAge: this.opts.jwksCacheMaxAgeMs ?? 600_000,
      timeoutDuration: this.fetchTimeoutMs,
    });
    return { issuer: doc.issuer, jwks };
  }
}

/** jose's errors → 401, except failures to reach the key set, which are the issuer's fault (503). */
function toAuthError(e: unknown): AuthError | AuthUnavailableError {
  if (e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid || !(e instanceof joseErrors.JOSEError) || e.code === 'ERR_JOSE_GENERIC') {
    return new AuthUnavailableError(`fetching the issuer's signing keys failed: ${(e as Error).message}`, { cause: e });
  }
  if (e instanceof joseErrors.JWTExpired) return new AuthError(401, 'the token has expired', { cause: e });
  if (e instanceof joseErrors.JWTClaimValidationFailed) return new AuthError(401, `the token's ${e.claim} claim is not accepted`, { cause: e });
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return new AuthError(401, 'the token\'s signature algorithm is not accepted (RS256, ES256 or PS256)', { cause: e });
  if (e instanceof joseErrors.JWKSNoMatchingKey) return new AuthError(401, 'the token is signed with a key the issuer does not publish', { cause: e });
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return new AuthError(401, 'the token\'s signature is invalid', { cause: e });
  return new AuthError(401, 'the token is malformed or invalid', { cause: e });
}
