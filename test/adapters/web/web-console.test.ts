import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterForChannel, attachScope, exportDataset, ingestPaths, upsertAsset, type Db } from '../../../src/index.js';
import { importTestRegistry } from '../../support/diagnosis-fixtures.js';
import { startService, type Service } from '../../../workers/service.js';
import { hasChromium, launchChromium, NO_CHROMIUM_REASON } from '../../support/browser.js';
import { closedPort } from '../../support/closed-port.js';
import { bigPngLike, panelPng, tinyPdf } from '../../support/panel-images.js';
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
/** IMAGE_MAX_BYTES of this file's service: small, so the oversized upload stays cheap. */
const IMAGE_MAX_BYTES = 200_000;

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
  async function signIn(who: typeof ADMIN, path = '/admin', javaScriptEnabled = true): Promise<{ ctx: BrowserContext; page: Page }> {
    issuer.signInAs(who);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, javaScriptEnabled });
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
      LLAMA_SEQUENCES: '2', LLAMA_CONTEXT_SIZE: '4096', LLAMA_MAX_TOKENS: '1500',
      IMAGE_MAX_BYTES: String(IMAGE_MAX_BYTES), LORA_ADAPTERS: 'ops-tuned=/srv/r1/adapters/ops-tuned.gguf:0.8',
      // Sized for the tiny model's context, as in the Slack /diagnose test.
      DIAGNOSIS_MAX_TOKENS: '1400', DIAGNOSIS_REASONING_TOKENS: '16', DIAGNOSIS_TOP_K: '3', DIAGNOSIS_CONTEXT_MAX_CHARS: '900',
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

  it('/chat with pictures: the text read from the PNG shows under the answer, the PDF and the oversized file are refused by name; 👎 → correction → stored and in the SFT export', async () => {
    const { ctx, page } = await signIn(USER, '/chat');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/chat');
    const files = { 'hmi-panel.png': await panelPng(['E-214 HIGH VIBRATION']), 'manual.pdf': tinyPdf(), 'huge-photo.png': bigPngLike(2 * IMAGE_MAX_BYTES) };
    for (const [name, data] of Object.entries(files)) writeFileSync(path.join(ARTIFACTS, name), data);
    await page.getByLabel('Your question').fill('what does the panel say?');
    await page.getByLabel('Attach images').setInputFiles(Object.keys(files).map((n) => path.join(ARTIFACTS, n)));
    await expect(page.locator('#attachments li.chip').allTextContents()).resolves.toEqual([expect.stringMatching(/^hmi-panel\.png · \d+ KB$/), 'manual.pdf · 1 KB', 'huge-photo.png · 391 KB']);
    await page.getByRole('button', { name: 'Send' }).click();
    // Refused at once, each by name and why; the question with the readable picture is answered.
    const turn = page.locator('.turn').first();
    await expect.poll(() => turn.locator(':scope > .note.warn').allTextContents()).toEqual([
      '⚠️ manual.pdf is a PDF, not an image I can read (PNG, JPEG, WebP or GIF).',
      '⚠️ huge-photo.png is 391 KB; the limit is 195 KB per image.',
    ]);
    await expect(turn.locator('.user-msg .attachments li').allTextContents()).resolves.toEqual(['hmi-panel.png', 'manual.pdf', 'huge-photo.png']);
    // Read by OCR in the worker role; shown under the answer when it ends, the refusals again with it.
    const reading = turn.locator('.bot-msg .image-readings figure');
    await reading.waitFor({ timeout: 90_000 });
    await expect(reading.locator('figcaption').textContent()).resolves.toBe('Text read from hmi-panel.png');
    await expect(reading.locator('pre').textContent()).resolves.toBe('E-214 HIGH VIBRATION');
    await turn.getByRole('button', { name: 'Not helpful' }).waitFor({ timeout: 90_000 });
    await expect(turn.locator('.bot-msg .image-readings .note.warn').count()).resolves.toBe(2);
    const images = await db.query<{ name: string; status: string; ocr_text: string | null }>(
      `SELECT i.name, i.status, i.ocr_text FROM question_images i JOIN messages m ON m.job_id = i.job_id WHERE m.question LIKE 'what does the panel say%' ORDER BY i.idx`);
    expect(images.rows).toEqual([
      { name: 'hmi-panel.png', status: 'read', ocr_text: 'E-214 HIGH VIBRATION' },
      { name: 'manual.pdf', status: 'refused', ocr_text: null },
      { name: 'huge-photo.png', status: 'refused', ocr_text: null },
    ]);

    // 👎 offers "What would have been right?" under the answer; an empty one is refused, a real one stored.
    await turn.getByRole('button', { name: 'Not helpful' }).click();
    const correction = turn.getByLabel('What would have been right?');
    await correction.waitFor();
    const right = 'E-214 is high vibration on pump P-101: check the coupling alignment and the bearings.';
    await correction.fill('   ');
    await turn.getByRole('button', { name: 'Save correction' }).click();
    await turn.getByText('Please write what the right answer would have been.').waitFor();
    await correction.fill(right);
    await turn.getByRole('button', { name: 'Save correction' }).click();
    await turn.getByText('Thanks — your correction is saved with the answer.').waitFor();
    const stored = await db.query<{ id: string; value: string; platform: string; correction: string }>(
      `SELECT m.id, f.value, f.platform, f.correction FROM feedback f JOIN messages m ON m.id = f.message_id WHERE m.question LIKE 'what does the panel say%'`);
    expect(stored.rows.map(({ id: _id, ...r }) => r)).toEqual([{ value: 'down', platform: 'web', correction: right }]);
    // The dataset export (`npm run feedback -- export --format sft`) has it, as that answer's correction.
    const out = path.join(ARTIFACTS, 'sft.jsonl');
    await exportDataset(db, { format: 'sft', out, pseudonymSecret: 'web-console-test-secret' });
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { messages: Array<{ role: string; content: string }>; meta: { source: string; messageId?: string } });
    const line = lines.find((l) => l.meta.source === 'correction');
    expect(line?.messages.at(-1)).toEqual({ role: 'assistant', content: right });
    expect(line?.messages.find((m) => m.role === 'user')?.content).toContain('E-214 HIGH VIBRATION');

    // A reload renders it all from the database: the reading, the 👎 and the saved correction.
    await page.reload();
    const again = page.locator('.turn').first();
    await expect(again.locator('.image-readings pre').textContent()).resolves.toBe('E-214 HIGH VIBRATION');
    await expect(again.getByRole('button', { name: 'Not helpful' }).getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(again.getByLabel('What would have been right?').inputValue()).resolves.toBe(right);
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-images.png'), fullPage: true });
    // Without the token, nothing is read or stored.
    const noToken = await page.request.post(`${base}/chat/correction`, { form: { message: stored.rows[0]!.id, text: 'x' } });
    expect(noToken.status()).toBe(403);
    const multipartNoToken = await page.request.post(`${base}/chat/ask`, { multipart: { text: 'hello', images: { name: 'p.png', mimeType: 'image/png', buffer: files['hmi-panel.png'] } } });
    expect(multipartNoToken.status()).toBe(403);
    // Only upload routes read a multipart body and check its token themselves: elsewhere multipart skips nothing.
    const chatPath = new URL(page.url()).pathname;
    const deleteMultipart = await page.request.post(`${base}${chatPath}/delete`, { multipart: { x: '1' }, maxRedirects: 0 });
    expect(deleteMultipart.status()).toBe(403);
    // The form's own multipart post (token as its first field): a refused picture alone is no question, and says why.
    const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
    const onlyPdf = await page.request.post(`${base}/chat/ask`, { multipart: { _csrf: csrf!, text: '', images: { name: 'manual.pdf', mimeType: 'application/pdf', buffer: files['manual.pdf'] } } });
    expect(onlyPdf.status()).toBe(400);
    expect(await onlyPdf.text()).toContain('manual.pdf is a PDF, not an image I can read');
    await ctx.close();

    // Without JavaScript: 👍 clears the correction, 👎 shows the form again, and it posts.
    const noJs = await signIn(USER, new URL(page.url()).pathname, false);
    const turnNoJs = noJs.page.locator('.turn').first();
    await turnNoJs.getByRole('button', { name: 'Helpful', exact: true }).click();
    await turnNoJs.getByRole('button', { name: 'Helpful', exact: true }).and(noJs.page.locator('[aria-pressed="true"]')).waitFor();
    await expect(turnNoJs.locator('form.correction').count()).resolves.toBe(0);
    await turnNoJs.getByRole('button', { name: 'Not helpful' }).click();
    await turnNoJs.getByLabel('What would have been right?').fill(`${right} (no JS)`);
    await turnNoJs.getByRole('button', { name: 'Save correction' }).click();
    await turnNoJs.getByText('Your correction is saved with this answer.').waitFor();
    const noJsRow = await db.query<{ value: string; correction: string }>('SELECT value, correction FROM feedback WHERE message_id = $1', [stored.rows[0]!.id]);
    expect(noJsRow.rows).toEqual([{ value: 'down', correction: `${right} (no JS)` }]);
    await noJs.ctx.close();
  }, 180_000);

  it('Adapters: lists LORA_ADAPTERS; binding through the page is what the worker reads (adapterForChannel), audited; unbind', async () => {
    const { ctx, page } = await signIn(ADMIN, '/admin/adapters');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin/adapters');
    const configured = page.getByRole('region', { name: 'Configured adapters' });
    await expect(configured.getByRole('row').filter({ hasText: 'ops-tuned' }).textContent()).resolves.toContain('/srv/r1/adapters/ops-tuned.gguf');
    const form = page.getByRole('region', { name: 'Bind an adapter' });
    const bind = async (platform: string, team: string, channel: string) => {
      await form.getByLabel('Adapter').selectOption('ops-tuned');
      await form.getByLabel('Platform').selectOption(platform);
      await form.getByLabel('Workspace / tenant').fill(team);
      await form.getByLabel('Channel, API client or web group').fill(channel);
      await form.getByRole('button', { name: 'Bind' }).click();
    };
    await bind('slack', 'T0PLANT', 'C0PUMPS');
    await page.getByText('slack · T0PLANT · C0PUMPS now answers with ops-tuned.').waitFor();
    expect(await adapterForChannel(db, { platform: 'slack', tenant: 'T0PLANT', channel: 'C0PUMPS' })).toBe('ops-tuned');
    await bind('web', '', 'maintenance');
    await page.getByText('web · maintenance now answers with ops-tuned.').waitFor();
    expect(await adapterForChannel(db, { platform: 'web', tenant: issuer.url, channel: 'maintenance' })).toBe('ops-tuned');
    const bindings = page.getByRole('region', { name: 'Adapter bindings' });
    await expect(bindings.getByRole('row').count()).resolves.toBe(3);
    await page.screenshot({ path: path.join(ARTIFACTS, 'adapters.png'), fullPage: true });
    // Unbind the web group from its row: the base model again.
    await bindings.getByRole('row').filter({ hasText: 'maintenance' }).getByRole('button', { name: 'Unbind' }).click();
    await page.getByText('Unbound ops-tuned from web · maintenance: it answers with the base model.').waitFor();
    expect(await adapterForChannel(db, { platform: 'web', tenant: issuer.url, channel: 'maintenance' })).toBeUndefined();
    expect(await adapterForChannel(db, { platform: 'slack', tenant: 'T0PLANT', channel: 'C0PUMPS' })).toBe('ops-tuned');
    // A name not in LORA_ADAPTERS is refused (the form offers only those); no token, no change.
    const typo = await page.request.post(`${base}/admin/adapters/bind`, { headers: { accept: 'application/json', 'x-csrf-token': await page.locator('meta[name="csrf-token"]').getAttribute('content') ?? '' }, form: { adapter: 'ops-tunde', platform: 'slack', team: 'T0PLANT', channel: 'C0OTHER' } });
    expect(typo.status()).toBe(400);
    expect((await page.request.post(`${base}/admin/adapters/unbind`, { form: { platform: 'slack', team: 'T0PLANT', channel: 'C0PUMPS' } })).status()).toBe(403);
    expect(await adapterForChannel(db, { platform: 'slack', tenant: 'T0PLANT', channel: 'C0OTHER' })).toBeUndefined();
    expect(await adapterForChannel(db, { platform: 'slack', tenant: 'T0PLANT', channel: 'C0PUMPS' })).toBe('ops-tuned');
    const audit = await db.query<{ actor: string; action: string; target: string; details: Record<string, unknown>; origin: string }>(
      `SELECT actor, action, target, details, origin FROM audit_log WHERE action LIKE 'kb.adapter%' ORDER BY id`);
    expect(audit.rows.map((r) => [r.actor, r.action, r.target, r.details.adapter, r.details.via, r.origin.startsWith('http:')])).toEqual([
      ['web:alice', 'kb.adapter', 'slack T0PLANT C0PUMPS', 'ops-tuned', 'web', true],
      ['web:alice', 'kb.adapter', `web ${issuer.url} maintenance`, 'ops-tuned', 'web', true],
      ['web:alice', 'kb.adapter_detach', `web ${issuer.url} maintenance`, 'ops-tuned', 'web', true],
    ]);
    await ctx.close();
  });

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

  it('/diagnose in the chat: bad requests answered at once (escaped), nothing queued; a diagnosis streams and is rendered with its sections, Resolved / escalate recorded; the Diagnose button under a picture\'s answer works without JavaScript', async () => {
    await importTestRegistry(db);
    await upsertAsset(db, { id: 'V-9', name: '<b>Valve</b> & "co"', model: 'VX-1', location: '', scope: null, oncall: null });
    const counts = async () => (await db.query<{ m: number; d: number }>(`SELECT (SELECT count(*)::int FROM messages WHERE kind = 'diagnose') AS m, (SELECT count(*)::int FROM diagnoses) AS d`)).rows[0];
    const before = await counts();
    const { ctx, page } = await signIn(USER, '/chat');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/chat');
    const ask = async (text: string) => {
      await page.getByLabel('Your question').fill(text);
      await page.getByRole('button', { name: 'Send' }).click();
    };
    // The same texts as Slack's /diagnose, in the page, and nothing queued (no job, no rows, no conversation).
    await ask('/diagnose');
    await page.locator('#ask-form p.error').getByText('Usage: `/diagnose <asset> <fault code or symptom…>`').waitFor();
    await ask('/diagnose P-101');
    await page.locator('#ask-form p.error').getByText('What is wrong with `P-101` (Feed-water pump)? Add a fault code or describe the symptom').waitFor();
    await ask('/diagnose V-9');
    await page.locator('#ask-form p.error').getByText('What is wrong with `V-9` (<b>Valve</b> & "co")?').waitFor();
    await expect(page.locator('#ask-form p.error b').count()).resolves.toBe(0);
    await ask('/diagnose P-1O1 E-214 noisy');
    await page.locator('#ask-form p.error').getByText("I don't know asset `P-1O1`. Did you mean `P-101`").waitFor();
    expect(await counts()).toEqual(before);
    await expect(page.locator('.turn').count()).resolves.toBe(0);
    expect(new URL(page.url()).pathname).toBe('/chat');

    // A valid one, with a picture attached: the picture is said to be unused, the diagnosis runs.
    await page.getByLabel('Your question').fill('/diagnose P-101 E-214 high vibration after restart');
    await page.getByLabel('Attach images').setInputFiles(path.join(ARTIFACTS, 'hmi-panel.png'));
    await page.getByRole('button', { name: 'Send' }).click();
    const turn = page.locator('.turn').first();
    await turn.getByText('/diagnose does not read pictures').waitFor();
    // A diagnosis takes no cancel: no Stop while it is followed.
    await turn.locator('.bot-msg.busy').waitFor();
    expect(await page.locator('#stop').isHidden()).toBe(true);
    const diagnosis = turn.locator('.bot-msg .diagnosis');
    await diagnosis.waitFor({ timeout: 90_000 });
    const checkSections = async (d: typeof diagnosis) => {
      await expect(d.locator('h3').textContent()).resolves.toContain('🔧 Diagnosis for P-101 (Feed-water pump, Line A / Hall 2): E-214 — High vibration (🟠 alarm)');
      await expect(d.getByRole('region', { name: 'Probable causes' }).locator('li').count()).resolves.toBeGreaterThan(0);
      await expect(d.getByRole('region', { name: 'Probable causes' }).textContent()).resolves.toMatch(/(High|Medium|Low) likelihood/);
      await expect(d.getByRole('region', { name: 'Checks, in order' }).textContent()).resolves.toContain('→ expect:');
      await expect(d.locator('.escalate').textContent()).resolves.toMatch(/Escalate: (yes|not needed)/);
      await expect(d.locator('.sources').textContent()).resolves.toContain('Centrifugal Pump P-101 Manual');
    };
    await checkSections(diagnosis);
    const rows = await db.query<{ platform: string; channel: string; status: string; asset_id: string; kind: string }>(
      `SELECT d.platform, d.channel, d.status, d.asset_id, m.kind FROM diagnoses d JOIN messages m ON m.id = d.message_id`);
    expect(rows.rows).toEqual([{ platform: 'web', channel: 'maintenance', status: 'answered', asset_id: 'P-101', kind: 'diagnose' }]);
    // A reload renders it from the database, the question as typed.
    await page.reload();
    await expect(page.locator('.turn .user-msg p').first().textContent()).resolves.toBe('/diagnose P-101 E-214 high vibration after restart');
    await checkSections(page.locator('.turn .diagnosis').first());
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-diagnosis.png'), fullPage: true });
    // Resolved (the outcome buttons, as in Slack): recorded and labelled; 👍 is the diagnosis' feedback too.
    await page.getByRole('button', { name: 'Resolved', exact: true }).click();
    await page.getByText('✅ Resolved — marked by you.').waitFor();
    await page.locator('.turn').first().getByRole('button', { name: 'Helpful', exact: true }).click();
    await expect.poll(async () => (await db.query(`SELECT outcome, outcome_by, labelled, feedback FROM diagnoses`)).rows).toEqual([{ outcome: 'resolved', outcome_by: 'web:bob', labelled: true, feedback: 'up' }]);
    await ctx.close();

    // Without JavaScript: a bad request is the page's error; the picture's answer offers 🔧 Diagnose P-101 (E-214), which posts and refreshes until done.
    const noJs = await signIn(USER, '/chat', false);
    await noJs.page.getByLabel('Your question').fill('/diagnose K-7');
    await noJs.page.getByRole('button', { name: 'Send' }).click();
    await noJs.page.getByRole('alert').getByText('What is wrong with `K-7` (Screw compressor)?').waitFor();
    await noJs.page.getByRole('link', { name: 'what does the panel say?' }).click();
    await noJs.page.getByRole('button', { name: '🔧 Diagnose P-101 (E-214)' }).click();
    const viaButton = noJs.page.locator('.turn').filter({ hasText: '/diagnose P-101 E-214' }).locator('.diagnosis');
    await viaButton.waitFor({ timeout: 90_000 });
    await expect(viaButton.locator('h3').textContent()).resolves.toContain('E-214 — High vibration');
    await noJs.page.getByRole('button', { name: 'Not resolved — escalate' }).click();
    await noJs.page.getByText('🚨 Not resolved — escalated by you; on-call: S0PUMPS.').waitFor();
    expect((await counts())!.d).toBe(before!.d + 2);
    await noJs.ctx.close();
  }, 240_000);

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
