import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Runtime } from '../../src/index.js';
import { registerAdminRoutes, type AdminDeps } from './admin/admin-routes.js';
import { registerChatRoutes } from './chat/chat-routes.js';
import type { WebPlatform } from './chat/web-platform.js';
import { html } from './html.js';
import { messagePage } from './layout.js';
import { SignInError, WebAuth, hasValidCsrfToken, isLoopbackRequest, type WebUser } from './web-auth.js';

const ASSETS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const ASSET_TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };

/** Who may open a route: anyone (sign-in, assets), a signed-in user (`/chat`), or an admin (`/admin`). */
export type WebAccess = 'public' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: WebAccess;
    /**
     * The route reads a multipart body (uploads) and checks the CSRF token itself, from the header
     * or the form's `_csrf` field before any file. Every other route needs the token as usual, so
     * a multipart post (whose fields nothing parses) cannot skip the check.
     */
    multipartCsrf?: boolean;
  }
}

/**
 * Content-Security-Policy of every web page: nothing from elsewhere (sites are air-gapped), no
 * inline script or style, no framing.
 */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface WebOptions extends AdminDeps {
  rt: Runtime;
  platform: WebPlatform;
  mode: 'oidc' | 'local';
}

const sendHtml = (reply: FastifyReply, code: number, body: { value: string }) => reply.code(code).type('text/html; charset=utf-8').send(body.value);

/**
 * Mounts the web console (`/admin`) and the web chat (`/chat`) with their sign-in (`/auth/*`) and
 * static files (`/web/assets/*`) in an encapsulated Fastify context: cookies, form bodies and
 * uploads are parsed there only, so the other routes (`/v1`, `/slack/events`) are unaffected.
 * Every route states its access; the guard resolves the session, refuses non-admins on `/admin`
 * (403), and refuses a state-changing request without the session's CSRF token (403).
 */
export async function registerWebRoutes(app: FastifyInstance, o: WebOptions): Promise<WebAuth> {
  const { rt, mode } = o;
  const { cfg, log } = rt;
  if (mode === 'oidc' && !cfg.WEB_SESSION_SECRET) log.warn('WEB_SESSION_SECRET is unset: web sessions are signed with a random key and end when this process restarts');
  const auth = new WebAuth(cfg, rt.db, log, mode);
  const assets = new Map<string, Buffer>();
  await app.register(async (web) => {
    await web.register(cookie, { secret: cfg.WEB_SESSION_SECRET ?? randomBytes(32).toString('base64url') });
    await web.register(formbody, { bodyLimit: 1 << 20 });
    await web.register(multipart, { limits: { fileSize: cfg.WEB_UPLOAD_MAX_BYTES, files: 20, fields: 20 } });
    web.decorateRequest('webUser', undefined);

    web.addHook('onRequest', async (req, reply) => {
      reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin').header('x-frame-options', 'DENY');
      if (mode === 'local' && !isLoopbackRequest(req)) {
        return sendHtml(reply, 403, messagePage('Local only', 'WEB_LOCAL serves this console to 127.0.0.1 only. Configure OIDC sign-in (OIDC_ISSUER, OIDC_CLIENT_ID, PUBLIC_URL) to open it to others.'));
      }
    });
    web.addHook('preHandler', async (req, reply) => {
      const access = req.routeOptions.config.access ?? 'public';
      if (access === 'public') return;
      const user = await auth.userOf(req, reply);
      if (!user) {
        if (req.method === 'GET' && !(req.headers.accept ?? '').includes('application/json') && !req.url.startsWith('/chat/events/')) {
          return reply.redirect(`/auth/login?return=${encodeURIComponent(req.url)}`);
        }
        return reply.code(401).send({ error: 'sign in first' });
      }
      (req as FastifyRequest & { webUser: WebUser }).webUser = user;
      if (access === 'admin' && !user.isAdmin) {
        return sendHtml(reply, 403, messagePage('Admins only', 'Your account may use the chat, not the admin console. Ask an administrator to add you to the admin group.', user, html`<p><a class="button primary" href="/chat">Open the chat</a></p>`));
      }
      // Multipart bodies are read by their handler, which checks the token (a field before the files).
      const checkedByHandler = req.isMultipart() && req.routeOptions.config.multipartCsrf === true;
      if (req.method !== 'GET' && req.method !== 'HEAD' && !checkedByHandler && !hasValidCsrfToken(req, user)) {
        log.warn({ user: user.userId, url: req.routeOptions.url }, 'web: state-changing request without a valid CSRF token refused');
        return reply.code(403).send({ error: 'missing or invalid CSRF token; reload the page and try again' });
      }
    });

    web.get<{ Params: { name: string } }>('/web/assets/:name', async (req, reply) => {
      const name = path.basename(req.params.name);
      const type = ASSET_TYPES[path.extname(name)];
      if (!type) return reply.code(404).send();
      let body = assets.get(name);
      if (!body) {
        try {
          body = readFileSync(path.join(ASSETS_DIR, name));
        } catch {
          return reply.code(404).send();
        }
        assets.set(name, body);
      }
      return reply.type(type).header('cache-control', 'public, max-age=300').send(body);
    });

    web.get('/', async (_req, reply) => reply.redirect('/chat'));

    if (mode === 'oidc') {
      web.get('/auth/login', async (req, reply) => {
        try {
          await auth.login(req, reply);
        } catch (e) {
          log.warn({ err: (e as Error).message }, 'web sign-in: the identity provider is not reachable');
          return sendHtml(reply, 503, messagePage('Sign-in unavailable', 'The identity provider is not reachable right now. Please try again in a moment.'));
        }
      });
      web.get('/auth/callback', async (req, reply) => {
        try {
          const r = await auth.callback(req, reply);
          log.info({ user: r.userId, admin: r.isAdmin }, 'web sign-in');
          await o.onSignIn?.(r.userId, r.isAdmin, `http:${req.ip}`);
          return reply.redirect(r.isAdmin && r.returnTo === '/chat' ? '/admin' : r.returnTo);
        } catch (e) {
          if (!(e instanceof SignInError)) throw e;
          return sendHtml(reply, 400, messagePage('Sign-in failed', e.message, undefined, html`<p><a class="button primary" href="/auth/login">Sign in again</a></p>`));
        }
      });
    }
    web.post('/auth/logout', { config: { access: 'user' } }, async (req, reply) => {
      await auth.logout(req, reply);
      return sendHtml(reply, 200, messagePage('Signed out', 'You are signed out.', undefined, html`<p><a class="button primary" href="/auth/login">Sign in again</a></p>`));
    });

    registerChatRoutes(web, rt, o.platform);
    registerAdminRoutes(web, o);
  });
  return auth;
}
