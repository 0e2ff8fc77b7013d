import { z } from 'zod';
import { envVar } from './define.js';
import { bool, optionalString, positiveInt, url } from './shared-schemas.js';

/**
 * The web console (`/admin`) and web chat (`/chat`), served by the adapters role. Sign-in is
 * OpenID Connect's authorization code flow with PKCE against `OIDC_ISSUER` (the API's issuer):
 * on when `OIDC_ISSUER`, `OIDC_CLIENT_ID` and `PUBLIC_URL` are set. Without them the web surfaces
 * are off, unless `WEB_LOCAL=true` (no sign-in, 127.0.0.1 only).
 */
export const webVars = {
  OIDC_CLIENT_ID: envVar(optionalString(), 'Client id of the web console/chat at the OIDC issuer (authorization code flow with PKCE). With `OIDC_ISSUER` and `PUBLIC_URL` it turns on `/admin` and `/chat`.'),
  OIDC_CLIENT_SECRET: envVar(optionalString(), 'Client secret of `OIDC_CLIENT_ID` (confidential client). Unset: a public client (PKCE only).', true),
  PUBLIC_URL: envVar(url(), 'The address people open, e.g. `https://r1.example.com` (the redirect URI is `PUBLIC_URL/auth/callback`). `https://` makes the session cookie `Secure`.'),
  OIDC_ADMIN_GROUP: envVar(optionalString(), 'Members of this group (the `groups` or `roles` claim of the ID token) are admins of `/admin`; so are `ADMIN_USERS` entries `web:<sub>`.'),
  OIDC_SCOPES: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.string().default('openid profile email')), 'Scopes asked for at sign-in (space-separated); add the one your issuer needs for a groups claim.'),
  WEB_LOCAL: envVar(bool(false), 'true: serve `/admin` and `/chat` without sign-in to clients on 127.0.0.1 only (everyone else gets 403), as the operator `local`. For trying it out; ignored when OIDC sign-in is configured.'),
  WEB_SESSION_SECRET: envVar(optionalString(), 'Key that signs the web session cookie (32+ characters). Unset: a random key per process (sessions end at restart; set it when several adapters replicas share users).', true),
  WEB_SESSION_TTL_S: envVar(positiveInt(8 * 3600), 'A web session ends this long after sign-in (server-side expiry), in seconds.'),
  WEB_UPLOAD_MAX_BYTES: envVar(positiveInt(50 * 2 ** 20), 'Largest file the Knowledge page accepts for upload, in bytes.'),
};
