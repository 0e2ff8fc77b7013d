import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import {
  WEB_LOCAL_TENANT, WEB_LOCAL_USER, createWebSession, deleteWebSession, findWebSession, groupsFromClaims, isWebAdmin, pruneWebSessions,
  type Config, type Db, type Logger, type WebSession,
} from '../../src/index.js';

/** The signed-in user of a web request. */
export interface WebUser extends WebSession {
  /** WEB_LOCAL: the operator on 127.0.0.1, without sign-in. */
  local: boolean;
}

export const SESSION_COOKIE = 'r1_session';
const LOGIN_COOKIE = 'r1_oidc';
/** How long a sign-in may take at the issuer before its state cookie expires. */
const LOGIN_TTL_S = 600;

export type WebAuthConfig = Pick<Config, 'OIDC_ISSUER' | 'OIDC_CLIENT_ID' | 'OIDC_CLIENT_SECRET' | 'PUBLIC_URL' | 'OIDC_SCOPES' | 'OIDC_ADMIN_GROUP' | 'ADMIN_USERS' | 'WEB_SESSION_TTL_S'>;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * WEB_LOCAL serves without sign-in to this machine only. A proxy on the same host would make every
 * client look local, so a request that names a forwarded client is refused too.
 */
export function isLoopbackRequest(req: FastifyRequest): boolean {
  if (req.headers['x-forwarded-for'] || req.headers.forwarded || req.headers['x-real-ip']) return false;
  return LOOPBACK.has(req.socket.remoteAddress ?? '');
}

/** Only same-site paths are followed after sign-in (no open redirect). */
export const safeReturnPath = (p: unknown): string => (typeof p === 'string' && /^\/(?![/\\])/.test(p) ? p : '/chat');

/**
 * OpenID Connect sign-in (authorization code flow with PKCE and a nonce, openid-client) and the
 * server-side sessions it opens. The issuer's discovery document is fetched on first use and kept;
 * a failed fetch is retried on the next sign-in.
 */
export class WebAuth {
  private config?: Promise<oidc.Configuration>;
  readonly secureCookies: boolean;

  constructor(private readonly cfg: WebAuthConfig, private readonly db: Db, private readonly log: Logger, readonly mode: 'oidc' | 'local') {
    this.secureCookies = (cfg.PUBLIC_URL ?? '').startsWith('https://');
  }

  private discover(): Promise<oidc.Configuration> {
    if (!this.config) {
      const { OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET } = this.cfg;
      const insecure = new URL(OIDC_ISSUER!).protocol === 'http:';
      this.config = oidc.discovery(new URL(OIDC_ISSUER!), OIDC_CLIENT_ID!, OIDC_CLIENT_SECRET, OIDC_CLIENT_SECRET ? undefined : oidc.None(),
        // An http issuer (a lab or a test) is allowed as configured; production issuers are https.
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined);
      this.config.catch((e: Error) => {
        this.log.warn({ issuer: OIDC_ISSUER, err: e.message }, 'web sign-in: OIDC discovery failed');
        this.config = undefined;
      });
    }
    return this.config;
  }

  get redirectUri(): string {
    return new URL('/auth/callback', this.cfg.PUBLIC_URL).toString();
  }

  /** Starts a sign-in: remembers state, nonce and PKCE verifier in a signed cookie, redirects to the issuer. */
  async login(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const config = await this.discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const returnTo = safeReturnPath((req.query as Record<string, unknown>).return);
    reply.setCookie(LOGIN_COOKIE, JSON.stringify({ verifier, state, nonce, returnTo }), {
      signed: true, httpOnly: true, sameSite: 'lax', secure: this.secureCookies, path: '/auth', maxAge: LOGIN_TTL_S,
    });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri, scope: this.cfg.OIDC_SCOPES, state, nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    await reply.redirect(url.toString());
  }

  /** Finishes a sign-in: checks state, exchanges the code with the verifier, checks the ID token, opens a session. */
  async callback(req: FastifyRequest, reply: FastifyReply): Promise<{ userId: string; isAdmin: boolean; returnTo: string }> {
    const cookie = req.cookies[LOGIN_COOKIE];
    const un = cookie ? req.unsignCookie(cookie) : undefined;
    if (!un?.valid || !un.value) throw new SignInError('the sign-in took too long or started elsewhere; please sign in again');
    const pending = JSON.parse(un.value) as { verifier: string; state: string; nonce: string; returnTo: string };
    reply.clearCookie(LOGIN_COOKIE, { path: '/auth' });
    const config = await this.discover();
    const current = new URL(req.url, this.cfg.PUBLIC_URL);
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
      claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'web sign-in refused');
      throw new SignInError('the identity provider\'s answer could not be verified; please sign in again');
    }
    const sub = String(claims.sub);
    const groups = groupsFromClaims(claims);
    const isAdmin = isWebAdmin(this.cfg, sub, groups);
    const name = [claims.name, claims.preferred_username, claims.email].find((x) => typeof x === 'string' && x) as string | undefined;
    const { id } = await createWebSession(this.db, { userId: `web:${sub}`, userName: name ?? null, tenant: this.cfg.OIDC_ISSUER!, groups, isAdmin }, this.cfg.WEB_SESSION_TTL_S);
    // Expired sessions are refused on read; they are removed here, at the rate people sign in.
    await pruneWebSessions(this.db).catch((e: Error) => this.log.warn({ err: e.message }, 'web: could not remove expired sessions'));
    this.setSessionCookie(reply, id);
    return { userId: `web:${sub}`, isAdmin, returnTo: safeReturnPath(pending.returnTo) };
  }

  private setSessionCookie(reply: FastifyReply, id: string): void {
    reply.setCookie(SESSION_COOKIE, id, { signed: true, httpOnly: true, sameSite: 'lax', secure: this.secureCookies, path: '/', maxAge: this.cfg.WEB_SESSION_TTL_S });
  }

  /** The session id of a request's cookie, when its signature is valid. */
  private sessionId(req: FastifyRequest): string | undefined {
    const c = req.cookies[SESSION_COOKIE];
    if (!c) return undefined;
    const un = req.unsignCookie(c);
    return un.valid && un.value ? un.value : undefined;
  }

  /**
   * The request's user: the session of a validly signed cookie that has not expired on the server;
   * under WEB_LOCAL, the local operator (a session is opened on the first request, so the CSRF token
   * works the same way). Undefined: not signed in.
   */
  async userOf(req: FastifyRequest, reply: FastifyReply): Promise<WebUser | undefined> {
    const id = this.sessionId(req);
    const s = id ? await findWebSession(this.db, id) : null;
    if (s) return { ...s, local: this.mode === 'local' };
    if (this.mode !== 'local') return undefined;
    const created = await createWebSession(this.db, { userId: WEB_LOCAL_USER, userName: 'local operator', tenant: WEB_LOCAL_TENANT, groups: [], isAdmin: true }, this.cfg.WEB_SESSION_TTL_S);
    this.setSessionCookie(reply, created.id);
    return { ...created.session, local: true };
  }

  async logout(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const id = this.sessionId(req);
    if (id) await deleteWebSession(this.db, id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }
}

export class SignInError extends Error {
  override readonly name = 'SignInError';
}

/** Whether a request carries the session's CSRF token (form field `_csrf` or header `x-csrf-token`). */
export function hasValidCsrfToken(req: FastifyRequest, user: WebUser, fromForm?: string): boolean {
  const body = req.body as Record<string, unknown> | undefined;
  const header = req.headers['x-csrf-token'];
  const sent = fromForm ?? (typeof header === 'string' ? header : body?._csrf);
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(user.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}
