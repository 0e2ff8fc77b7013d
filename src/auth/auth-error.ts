import { R1Error } from '../errors.js';

/**
 * Why a credential was refused. `status` is the HTTP status to answer: 401 (missing, malformed,
 * expired, wrong issuer/audience/signature, unknown or revoked key) or 403 (valid, but without
 * the required scope). `reason` is safe to show the caller; it never contains the credential.
 */
export class AuthError extends R1Error {
  constructor(
    readonly status: 401 | 403,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(status === 401 ? 'unauthenticated' : 'forbidden', reason, options);
  }
}

/** The identity provider could not be reached (discovery or JWKS fetch failed): answer 503, not 401. */
export class AuthUnavailableError extends R1Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('auth_unavailable', message, options);
  }
}
