import { mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachScope, ingestPaths, type Db } from '../../../src/index.js';
import { startService, type Service } from '../../../workers/service.js';
import { hasChromium, launchChromium, NO_CHROMIUM_REASON } from '../../support/browser.js';
import { closedPort } from '../../support/closed-port.js';
import { startOidcIssuer } from '../../support/oidc-issuer.js';
import { PLANT_A_DIR } from '../../support/rag-fixtures.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgliteDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

/** Screenshots of each admin page, for people to look at (gitignored). */
const ARTIFACTS = path.resolve('test-artifacts/web');

const ADMIN = { sub: 'alice', name: 'Alice Admin', groups: ['maintenance', 'r1-admins'] };
const USER = { sub: 'bob', name: 'Bob Technician', groups: ['maintenance'] };

/**
 * The web console and chat in a real browser (Debian's Chromium through playwright-core) against
 * the whole service and a local OIDC issuer: sign-in with PKCE, sessions, CSRF, the admin pages,
 * and the chat through the one admission path with real inference on the tiny model.
 */
describe.skipIf(!hasChromium || !hasTestModel)('web console and chat in a browser', () => {
  let browser: Browser;
  let issuer: Awaited<ReturnType<typeof startOidcIssuer>>;
  let db: Db;
  let svc: Service & { baseUrl: string };
  let base: string;

  /** A fresh browser context signed in as `who` (cookies are per context). */
  async function signIn(who: typeof ADMIN, path = '/admin'): Promise<{ ctx: BrowserContext; page: Page }> {
    issuer.signInAs(who);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await ctx.newPage();
    await page.goto(`${base}${path}`);
    return { ctx, page };
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [browser, issuer, db] = await Promise.all([launchChromium(), startOidcIssuer(), createTestPgliteDb()]);
    const port = await closedPort();
    base = `http://127.0.0.1:${port}`;
    svc = await startTestService(testConfig({
      PORT: String(port), OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: 'r1-api', OIDC_CLIENT_ID: 'r1-web', PUBLIC_URL: base, OIDC_ADMIN_GROUP: 'r1-admins',
      LLAMA_SEQUENCES: '2', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: '1500',
    }), db);
    // A scope ingested by the CLI's code, for every signed-in user of the web chat.
    expect((await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR] })).failed).toEqual([]);
    await attachScope(db, { platform: 'web', tenant: issuer.url, channel: '*' }, 'plant-a', 'test');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    await issuer?.close();
    await db?.close();
    await closeTestEngines();
  });

  it('an admin signs in (code flow with PKCE) and sees the Overview; the session cookie is httpOnly, SameSite=Lax', async () => {
    const { ctx, page } = await signIn(ADMIN);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin');
    await expect(page.getByRole('heading', { name: 'Overview' }).isVisible()).resolves.toBe(true);
    await expect(page.getByText('Alice Admin').isVisible()).resolves.toBe(true);
    await page.getByText('stories260K-r1-test.gguf').first().waitFor();
    const cookie = (await ctx.cookies()).find((c) => c.name === 'r1_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview.png'), fullPage: true });
    await ctx.close();
  });

  it('/chat: the answer streams in with a source from the attached scope; Stop ends it; 👎 is recorded', async () => {
    const { ctx, page } = await signIn(USER, '/chat');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/chat');
    await page.getByLabel('Your question').fill('pump shows E-214 after restart, what now?');
    await page.getByRole('button', { name: 'Send' }).click();
    // Streaming: the answer's text and its sources show before the end.
    const turn = page.locator('.turn').first();
    await turn.locator('.answer.streaming').waitFor({ timeout: 30_000 });
    await expect(turn.locator('.sources').textContent()).resolves.toContain('Centrifugal Pump P-101 Manual');
    expect(new URL(page.url()).pathname).toMatch(/^\/chat\/c\//);
    // A long answer (LLAMA_MAX_TOKENS 1500): Stop ends it where it is.
    await page.getByRole('button', { name: 'Stop' }).click();
    await turn.getByText('Stopped.').waitFor({ timeout: 30_000 });
    await expect(turn.locator('.sources').textContent()).resolves.toContain('Centrifugal Pump P-101 Manual');
    const stopped = await db.query<{ completion_tokens: number }>(`SELECT completion_tokens FROM messages WHERE platform = 'web' AND question LIKE 'pump shows E-214%'`);
    expect(stopped.rows[0]!.completion_tokens).toBeLessThan(1500);

    // 👎 on it, without leaving the page.
    await turn.getByRole('button', { name: 'Not helpful' }).click();
    await expect.poll(async () => (await db.query<{ value: string; platform: string }>(`SELECT f.value, f.platform FROM feedback f JOIN messages m ON m.id = f.message_id WHERE m.question LIKE 'pump shows E-214%'`)).rows[0])
      .toEqual({ value: 'down', platform: 'web' });
    await expect(turn.getByRole('button', { name: 'Not helpful' }).getAttribute('aria-pressed')).resolves.toBe('true');
    // The conversation is in the user's list, and a reload renders it from the message log.
    await page.reload();
    await expect(page.locator('.chat-list li').count()).resolves.toBe(1);
    await expect(page.locator('.turn').count()).resolves.toBe(1);
    await expect(page.locator('.turn .sources').textContent()).resolves.toContain('Centrifugal Pump P-101 Manual');
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat.png'), fullPage: true });
    await ctx.close();
  }, 90_000);

  it('a signed-in non-admin gets 403 on /admin; a POST without the CSRF token gets 403; a forged session cookie is refused', async () => {
    const { ctx, page } = await signIn(USER, '/chat');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/chat');
    const res = await page.goto(`${base}/admin`);
    expect(res!.status()).toBe(403);
    await expect(page.getByRole('heading', { name: 'Admins only' }).isVisible()).resolves.toBe(true);
    // The browser's own cookies, without the token.
    const noToken = await page.request.post(`${base}/chat/ask`, { form: { text: 'hello' } });
    expect(noToken.status()).toBe(403);
    const wrongToken = await page.request.post(`${base}/chat/ask`, { form: { text: 'hello', _csrf: 'x'.repeat(32) } });
    expect(wrongToken.status()).toBe(403);
    // A cookie with a made-up value (or a real one with its signature changed) is no session.
    const real = (await ctx.cookies()).find((c) => c.name === 'r1_session')!;
    for (const value of ['forged.c2lnbmF0dXJl', `${real.value.slice(0, -2)}xx`]) {
      const forged = await browser.newContext();
      await forged.addCookies([{ ...real, value }]);
      const p = await forged.newPage();
      const r = await p.request.get(`${base}/chat`, { maxRedirects: 0 });
      expect(r.status()).toBe(302);
      expect(r.headers().location).toMatch(/^\/auth\/login/);
      await forged.close();
    }
    await ctx.close();
  });

  it('WEB_LOCAL=true serves without sign-in on 127.0.0.1 and refuses a non-loopback client', async () => {
    const local = await startService(testConfig({ WEB_LOCAL: 'true', ROLE: 'adapters' }), { db, host: '0.0.0.0' });
    try {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const ok = await page.goto(`http://127.0.0.1:${local.port}/admin`);
      expect(ok!.status()).toBe(200);
      await expect(page.getByText('local operator').first().isVisible()).resolves.toBe(true);
      const lan = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
      if (lan) {
        const refused = await page.goto(`http://${lan}:${local.port}/chat`);
        expect(refused!.status()).toBe(403);
      }
      // Through a proxy on this host every client would look local: a forwarded request is refused too.
      const proxied = await page.request.get(`http://127.0.0.1:${local.port}/chat`, { headers: { 'x-forwarded-for': '10.1.2.3' } });
      expect(proxied.status()).toBe(403);
      await ctx.close();
    } finally {
      await local.close();
    }
  });
});

if (!hasChromium) describe('web console and chat in a browser', () => it.skip(NO_CHROMIUM_REASON, () => {}));
