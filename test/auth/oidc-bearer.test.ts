import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError, AuthUnavailableError, ConfigError, OidcVerifier, bearerAuthenticatorFromConfig, createBearerAuthenticator, isApiEnabled, loadConfig,
  type BearerAuthenticator, type Db,
} from '../../src/index.js';
import type { ApiChatBackend } from '../../adapters/api/index.js';
import { startApiServer } from '../support/start-api-server.js';
import { createTestPgliteDb } from '../support/test-db.js';

const AUDIENCE = 'api://r1-chatops';
const SCOPE = 'r1.chat';

describe('OIDC bearer tokens against a local issuer (oauth2-mock-server)', () => {
  let issuer: OAuth2Server;
  let auth: BearerAuthenticator;
  let rsaKid: string;
  const header = (t: string) => `Bearer ${t}`;
  /** A token from the issuer with the given claims on top of iss/iat/exp/nbf. */
  const token = (claims: JWTPayload, opts: { kid?: string; expiresIn?: number } = {}) =>
    issuer.issuer.buildToken({ kid: opts.kid ?? rsaKid, expiresIn: opts.expiresIn, scopesOrTransform: (_h, p) => Object.assign(p, { aud: AUDIENCE, azp: 'grafana', scope: SCOPE, ...claims }) });
  const refusal = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e);

  beforeAll(async () => {
    issuer = new OAuth2Server();
    rsaKid = (await issuer.issuer.keys.generate('RS256')).kid;
    await issuer.start(0, '127.0.0.1');
    // Cooldown 0: a token with a new kid refetches the JWKS at once (production keeps jose's 30 s).
    auth = createBearerAuthenticator({ oidc: new OidcVerifier({ issuer: issuer.issuer.url!, audience: AUDIENCE, requiredScope: SCOPE, jwksCooldownMs: 0 }), requiredScope: SCOPE });
  });
  afterAll(async () => issuer.stop());

  it('accepts a valid token; the client is azp, else client_id, else sub', async () => {
    await expect(auth.authenticate(header(await token({})))).resolves.toEqual({ client: 'grafana', via: 'oidc', scopes: [SCOPE] });
    // Groups the token carries (for per-command policies): `groups` and `roles`, strings only.
    await expect(auth.authenticate(header(await token({ groups: ['g-ops', 7], roles: ['r1.admin'] })))).resolves.toMatchObject({ groups: ['g-ops', 'r1.admin'] });
    await expect(auth.authenticate(header(await token({ azp: undefined, client_id: 'librechat', sub: 'u1' })))).resolves.toMatchObject({ client: 'librechat' });
    await expect(auth.authenticate(header(await token({ azp: undefined, sub: 'svc-user' })))).resolves.toMatchObject({ client: 'svc-user' });
  });

  it('accepts ES256 and PS256 keys too', async () => {
    for (const alg of ['ES256', 'PS256']) {
      const { kid } = await issuer.issuer.keys.generate(alg);
      await expect(auth.authenticate(header(await token({ azp: alg }, { kid }))), alg).resolves.toMatchObject({ client: alg });
    }
  });

  it.each([
    ['expired (past the 30 s tolerance)', () => token({}, { expiresIn: -120 }), /expired/],
    ['wrong audience', () => token({ aud: 'api://someone-else' }), /aud/],
    ['wrong issuer', () => token({ iss: 'http://127.0.0.1:1/evil' }), /iss/],
    ['no client claim at all', () => token({ azp: undefined, sub: undefined }), /client/],
  ])('refuses a token that is %s with 401', async (_name, make, reason) => {
    const e = await refusal(auth.authenticate(header(await make())));
    expect(e).toBeInstanceOf(AuthError);
    expect((e as AuthError).status).toBe(401);
    expect((e as AuthError).reason).toMatch(reason);
  });

  it('tolerates a little clock skew', async () => {
    await expect(auth.authenticate(header(await token({}, { expiresIn: -10 })))).resolves.toMatchObject({ client: 'grafana' });
  });

  it('refuses alg none and HS256 (a key-confusion attempt with the public key as secret)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: issuer.issuer.url, aud: AUDIENCE, azp: 'x', scope: SCOPE, iat: now, exp: now + 600 };
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT', kid: rsaKid })}.${b64(payload)}.`;
    const eNone = await refusal(auth.authenticate(header(none)));
    expect(eNone).toBeInstanceOf(AuthError);
    expect((eNone as AuthError).status).toBe(401);
    const pub = JSON.stringify(issuer.issuer.keys.toJSON()[0]);
    const hs = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: rsaKid }).sign(new TextEncoder().encode(pub));
    const eHs = await refusal(auth.authenticate(header(hs)));
    expect((eHs as AuthError).status).toBe(401);
    expect((eHs as AuthError).reason).toMatch(/algorithm/);
  });

  it('refuses a token signed by a key the issuer does not publish, under an unknown or a known kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: issuer.issuer.url, aud: AUDIENCE, azp: 'x', scope: SCOPE, iat: now, exp: now + 600 };
    for (const kid of ['not-a-published-kid', rsaKid]) {
      const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
      const e = await refusal(auth.authenticate(header(forged)));
      expect(e, kid).toBeInstanceOf(AuthError);
      expect((e as AuthError).status).toBe(401);
    }
  });

  it('answers 403 without the required scope; finds it in scope or in Azure AD\'s scp (string or array)', async () => {
    const e = await refusal(auth.authenticate(header(await token({ scope: 'openid profile' }))));
    expect(e).toBeInstanceOf(AuthError);
    expect((e as AuthError).status).toBe(403);
    await expect(auth.authenticate(header(await token({ scope: undefined, scp: `User.Read ${SCOPE}` })))).resolves.toMatchObject({ scopes: ['User.Read', SCOPE] });
    await expect(auth.authenticate(header(await token({ scope: undefined, scp: [SCOPE] })))).resolves.toMatchObject({ scopes: [SCOPE] });
    expect((await refusal(auth.authenticate(header(await token({ scope: undefined, scp: ['User.Read'] })))) as AuthError).status).toBe(403);
  });

  it('picks up a rotated key (new kid) without a restart', async () => {
    await auth.authenticate(header(await token({})));
    const { kid: newKid } = await issuer.issuer.keys.generate('RS256');
    expect(newKid).not.toBe(rsaKid);
    await expect(auth.authenticate(header(await token({ azp: 'after-rotation' }, { kid: newKid })))).resolves.toMatchObject({ client: 'after-rotation' });
  });

  it('refuses missing or malformed Authorization headers, and API keys when they are off', async () => {
    for (const h of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b']) {
      expect(((await refusal(auth.authenticate(h))) as AuthError).status, String(h)).toBe(401);
    }
    expect(((await refusal(auth.authenticate('Bearer r1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))) as AuthError).reason).toMatch(/API_KEYS/);
  });

  it('an unreachable issuer is a 503 (AuthUnavailableError), not a 401', async () => {
    const down = new OidcVerifier({ issuer: 'http://127.0.0.1:1', audience: AUDIENCE, requiredScope: SCOPE, fetchTimeoutMs: 2000 });
    expect(await refusal(down.verify(await token({})))).toBeInstanceOf(AuthUnavailableError);
  });

  it('through the openai client: a valid token works, a token without the scope raises PermissionDeniedError (403)', async () => {
    const chat: ApiChatBackend = { complete: async () => { throw new Error('not used'); } };
    const srv = await startApiServer({ auth, chat, modelId: 'r1' });
    try {
      const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${srv.baseUrl}/v1`, maxRetries: 0 });
      const page = await client(await token({})).models.list();
      expect(page.data.map((m) => m.id)).toEqual(['r1']);
      const e = await refusal(client(await token({ scope: 'openid' })).models.list());
      expect(e).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((e as InstanceType<typeof OpenAI.PermissionDeniedError>).headers?.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", scope="${SCOPE}"`);
      expect(await refusal(client(await token({}, { expiresIn: -120 })).models.list())).toBeInstanceOf(OpenAI.AuthenticationError);
    } finally {
      await srv.close();
    }
  });
});

describe('API authentication from configuration', () => {
  let db: Db;
  beforeAll(async () => (db = await createTestPgliteDb()));
  afterAll(async () => db.close());

  it('is off (no /v1) unless OIDC_ISSUER or API_KEYS=true; OIDC_ISSUER needs OIDC_AUDIENCE', () => {
    expect(isApiEnabled(loadConfig({}))).toBe(false);
    expect(bearerAuthenticatorFromConfig(loadConfig({}), db)).toBeUndefined();
    expect(isApiEnabled(loadConfig({ API_KEYS: 'true' }))).toBe(true);
    const cfg = loadConfig({ OIDC_ISSUER: 'https://login.example.com/tenant/v2.0', OIDC_AUDIENCE: 'api://r1' });
    expect(isApiEnabled(cfg)).toBe(true);
    expect(cfg.API_SCOPE).toBe('r1.chat');
    expect(bearerAuthenticatorFromConfig(cfg, db)?.requiredScope).toBe('r1.chat');
    expect(() => loadConfig({ OIDC_ISSUER: 'https://login.example.com/' })).toThrow(ConfigError);
    expect(() => loadConfig({ OIDC_ISSUER: 'https://login.example.com/', OIDC_AUDIENCE: 'a', API_SCOPE: 'two scopes' })).toThrow(/API_SCOPE/);
  });
});
