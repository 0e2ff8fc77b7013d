import { z } from 'zod';
import { envVar } from './define.js';
import { bool, optionalString, positiveInt, url } from './shared-schemas.js';

/**
 * The OpenAI-compatible API (`/v1`). Nothing is open by default: `/v1` is mounted only when
 * `OIDC_ISSUER` is set or `API_KEYS=true`; otherwise it answers 404.
 */
export const apiVars = {
  OIDC_ISSUER: envVar(url(), 'OpenID Connect issuer URL for `/v1` bearer tokens (its `/.well-known/openid-configuration` names the JWKS). Set it (or `API_KEYS=true`) to enable the API.'),
  OIDC_AUDIENCE: envVar(optionalString(), 'Required `aud` of API tokens (the API\'s client id or app id URI). Required with `OIDC_ISSUER`.'),
  OIDC_CLOCK_TOLERANCE_S: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(300).default(30)), 'Clock skew allowed when checking `exp`/`nbf`/`iat` of API tokens, in seconds.'),
  API_SCOPE: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'one OAuth2 scope token (no spaces or quotes)').default('r1.chat')), 'Scope an API token must carry (in `scope`, or Azure AD\'s `scp`); without it the API answers 403.'),
  API_KEYS: envVar(bool(false), 'true: accept service-account API keys (`Authorization: Bearer r1_…`, made with `npm run api-keys -- create`) on `/v1`, and enable the API.'),
  API_RATE_LIMIT_PER_MIN: envVar(positiveInt(60), 'Chat completions per API client (token `azp`/`client_id`/`sub`, or key name) per minute; more get 429 with `Retry-After`.'),
  MODEL_ALIAS: envVar(optionalString(), 'Model id the API shows in `/v1/models` and accepts as `model`. Default: the model file name without `.gguf`.'),
};
