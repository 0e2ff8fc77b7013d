import { mkdirSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachScope, ingestPaths, type Db } from '../../../src/index.js';
import { startService, type Service } from '../../../workers/service.js';
import { hasChromium, launchChromium, NO_CHROMIUM_REASON } from '../../support/browser.js';
import { closedPort } from '../../support/closed-port.js';
import { startOidcIssuer } from '../../support/oidc-issuer.js';
import { PLANT_A_DIR, RAG_FIXTURES } from '../../support/rag-fixtures.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgliteDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

/** Screenshots of each admin page, for people to look at (gitignored). */
const ARTIFACTS = path.resolve('test-artifacts/web');
const DIAGNOSIS_FIXTURES = path.resolve(RAG_FIXTURES, '../diagnosis');

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

  it('Knowledge: lists a scope ingested by the CLI; an uploaded Markdown file is found with "test a question"; attach to a Slack channel shows the binding', async () => {
    const { ctx, page } = await signIn(ADMIN, '/admin/knowledge');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin/knowledge');
    const scopes = page.getByRole('region', { name: 'Scopes' });
    await expect(scopes.getByRole('link', { name: 'plant-a' }).isVisible()).resolves.toBe(true);
    // Upload (with its progress bar and status), into a new scope.
    const file = path.join(ARTIFACTS, 'hp9-press-notes.md');
    writeFileSync(file, '# Hydraulic press HP-9 notes\n\n## Fault H-77\n\nFault H-77 on the hydraulic press HP-9 means the relief valve sticks. Clean the relief valve seat and bleed the circuit.\n');
    const upload = page.getByRole('region', { name: 'Upload documents' });
    await upload.getByLabel('Scope').fill('press-notes');
    await upload.getByLabel('Files (Markdown, text, HTML, PDF)').setInputFiles(file);
    await upload.getByRole('button', { name: 'Upload and ingest' }).click();
    await page.getByText('press-notes: 1 added').waitFor();
    await page.waitForLoadState('load');
    await scopes.getByRole('link', { name: 'press-notes' }).waitFor();
    // Attach it to a Slack channel; the binding shows.
    const attach = page.getByRole('region', { name: 'Attach a scope' });
    await attach.getByLabel('Scope').selectOption('press-notes');
    await attach.getByLabel('Platform').selectOption('slack');
    await attach.getByLabel('Workspace / tenant').fill('T0PLANT');
    await attach.getByLabel('Channel, API client or web group').fill('C0PRESS');
    await attach.getByRole('button', { name: 'Attach' }).click();
    await page.getByText('Attached press-notes to slack · T0PLANT · C0PRESS.').waitFor();
    const binding = page.getByRole('region', { name: 'Bindings' }).getByRole('row').filter({ hasText: 'C0PRESS' });
    await expect(binding.textContent()).resolves.toContain('press-notes');
    // What that channel gets for a question: the uploaded document, ranked, with its score.
    const test = page.getByRole('region', { name: 'Test a question' });
    await test.getByLabel('Platform').selectOption('slack');
    await test.getByLabel('Workspace / tenant').fill('T0PLANT');
    await test.getByLabel('Channel, API client or web group').fill('C0PRESS');
    await test.getByLabel('Question').fill('HP-9 shows H-77, what do I do?');
    await test.getByRole('button', { name: 'Show the ranked chunks' }).click();
    const first = page.locator('ol.ranked > li').first();
    await expect(first.textContent()).resolves.toContain('Hydraulic press HP-9 notes');
    await expect(first.locator('.score').textContent()).resolves.toMatch(/score \d\.\d{4}/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'knowledge.png'), fullPage: true });
    await ctx.close();
  }, 60_000);

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

  it('Feedback shows the 👎 answer with its question and sources; Diagnoses imports the registry with line-numbered errors; Audit lists sign-ins and knowledge changes', async () => {
    const { ctx, page } = await signIn(ADMIN, '/admin/feedback?value=down');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin/feedback');
    const item = page.locator('.feedback-item').filter({ hasText: 'pump shows E-214 after restart, what now?' });
    await expect(item.textContent()).resolves.toContain('Centrifugal Pump P-101 Manual');
    await expect(item.locator('.chip.down').textContent()).resolves.toContain('1');
    await expect(item.locator('.chip.up').count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'feedback.png'), fullPage: true });
    const csv = await page.request.get(`${base}/admin/feedback/export.csv?value=down`);
    expect(await csv.text()).toContain('pump shows E-214 after restart, what now?');

    await page.goto(`${base}/admin/diagnoses`);
    await page.getByLabel('CSV or YAML files (assets, fault codes)').setInputFiles(path.join(DIAGNOSIS_FIXTURES, 'bad-assets.csv'));
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Nothing was imported').waitFor();
    await expect(page.locator('ul.issues').textContent()).resolves.toContain('bad-assets.csv:3');
    await page.getByLabel('CSV or YAML files (assets, fault codes)').setInputFiles([path.join(DIAGNOSIS_FIXTURES, 'assets.csv'), path.join(DIAGNOSIS_FIXTURES, 'fault-codes.csv')]);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Imported.').waitFor();
    await page.getByRole('link', { name: 'P-101' }).first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'diagnoses.png'), fullPage: true });

    await page.goto(`${base}/admin/audit`);
    const audit = page.locator('table');
    await expect(audit.textContent()).resolves.toContain('web.sign_in');
    await expect(audit.textContent()).resolves.toContain('kb.attach');
    await expect(audit.textContent()).resolves.toContain('assets.import');
    await page.screenshot({ path: path.join(ARTIFACTS, 'audit.png'), fullPage: true });
    // And on a phone: the chat is usable at 390 px.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${base}/chat`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-phone.png') });
    await ctx.close();
  }, 60_000);

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
