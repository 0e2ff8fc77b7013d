/** How a caller proved who it is. */
export type AuthMethod = 'oidc' | 'api_key';

/** An authenticated API caller. */
export interface AuthenticatedClient {
  /**
   * Who is calling, for rate limits, fair scheduling, knowledge bindings and audit: the token's
   * `azp`, else `client_id`, else `sub`; for an API key, the key's name.
   */
  client: string;
  via: AuthMethod;
  /** Scopes the credential carries (an API key carries the configured API scope only). */
  scopes: string[];
  /** Group ids the token carries (`groups`, or Entra's `roles`), for per-command access policies. None for API keys. */
  groups?: string[];
}

/** Validates an `Authorization` header. Throws `AuthError` (401/403) or `AuthUnavailableError` (503). */
export interface BearerAuthenticator {
  authenticate(authorizationHeader: string | undefined): Promise<AuthenticatedClient>;
  /** The scope a credential must carry, for `WWW-Authenticate` on a 403. */
  readonly requiredScope: string;
}
