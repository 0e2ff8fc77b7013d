import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/index.js';
import { until } from '../../support/child-service.js';
import { LocalBotFramework, teamsMessage } from '../../support/local-bot-framework.js';
import { panelPng, tinyPdf } from '../../support/panel-images.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startServiceFixture, type ServiceFixture } from '../../support/service-fixture.js';

const CHANNEL = '19:chan@thread.tacv2';
type Card = { body: Array<Record<string, unknown>>; actions?: Array<{ title: string; data: Record<string, unknown> }> };
const cardOf = (body: Record<string, unknown> | undefined) => (body!.attachments as Array<{ content: Card }>)[0]!.content;
const textsOf = (card: Card) => card.body.filter((b) => b.type === 'TextBlock').map((b) => String(b.text));

describe.skipIf(!hasTestModel)('Teams: a picture pasted into a mention → OCR → card with the read text and a Diagnose action', () => {
  let bf: LocalBotFramework;
  let fx: ServiceFixture;
  let db: Db;
  let botUrl: string;

  beforeAll(async () => {
    bf = await new LocalBotFramework().start();
    fx = await startServiceFixture(
      { ...bf.settings(), LLAMA_SEQUENCES: '2', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: '24', DIAGNOSIS_MAX_TOKENS: '1400', DIAGNOSIS_REASONING_TOKENS: '0' },
      { registry: true, ocr: true });
    db = fx.db;
    botUrl = `${fx.svc.baseUrl}/api/messages`;
  }, 120_000);
  afterAll(async () => {
    await fx?.close();
    await bf?.close();
  });

  let chain: { conv: string; rootId: string };

  it('downloads the inline image with the bot\'s token, reads it, and shows the text and Diagnose actions in the card', async () => {
    const att = bf.addAttachment('att-1', 'panel.png', 'image/png', await panelPng(['E-214 HIGH VIBRATION']));
    // Teams adds the message body as text/html too: not an image, skipped.
    const act = teamsMessage(bf, { text: 'what does the panel say?', attachments: [att, { contentType: 'text/html', content: '<p>what does the panel say?</p>' }] });
    expect((await bf.postActivity(botUrl, act)).status).toBe(200);
    const conv = `${CHANNEL};messageid=${act.id}`;
    const [reply] = await bf.waitForMessages(conv, 1);
    const card = cardOf(reply!.body);
    const texts = card.body.filter((b) => b.type === 'TextBlock').map((b) => String(b.text));
    expect(texts).toContain('🖼️ Text read from panel.png');
    expect(card.body.find((b) => b.fontType === 'Monospace')?.text).toBe('E-214 HIGH VIBRATION');
    expect(card.actions!.filter((a) => a.data.r1 === 'image_diagnose').map((a) => [a.title, a.data.args])).toEqual([
      ['🔧 Diagnose P-101 (E-214)', 'P-101 E-214'], ['🔧 Diagnose P-102 (E-214)', 'P-102 E-214'],
    ]);
    expect(bf.attachmentDownloads).toEqual([{ id: 'att-1', auth: 'Bearer local-aad-access-token', status: 200 }]);
    chain = { conv, rootId: String(act.id) };
  });

  it('the Diagnose action starts /diagnose P-101 E-214 through admission; the diagnosis is posted in the reply chain', async () => {
    const submit = teamsMessage(bf, { text: '', rootId: chain.rootId, mention: false, value: { r1: 'image_diagnose', args: 'P-101 E-214' } });
    expect((await bf.postActivity(botUrl, submit)).status).toBe(200);
    await until(async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM diagnoses WHERE asset_id = 'P-101' AND fault_code = 'E-214'`)).rows[0]!.n === 1, 60_000);
    // The queue note and then the diagnosis itself go into the same chain.
    await bf.waitForMessages(chain.conv, 3, 120_000);
  });

  it('a picture sent as a file in a 1:1 chat (file.download.info) comes from its pre-authorised downloadUrl, without the bot\'s token, and is read; a PDF and an expired link get notes', async () => {
    const png = bf.addFile('file-1', 'nameplate.png', 'png', await panelPng(['E-214 HIGH VIBRATION']));
    const pdf = bf.addFile('file-2', 'manual.pdf', 'pdf', tinyPdf());
    const stale = bf.addFile('file-3', 'old.jpg', 'jpg', await panelPng(['P-101 OK']));
    (stale.content as { downloadUrl: string }).downloadUrl = (stale.content as { downloadUrl: string }).downloadUrl.replace(/tempauth=.*/, 'tempauth=expired');
    const act = teamsMessage(bf, { text: 'what does the nameplate say?', kind: 'personal', attachments: [png, pdf, stale] });
    expect((await bf.postActivity(botUrl, act)).status).toBe(200);
    const [reply] = await bf.waitForMessages('a:personal-chat-1', 1, 90_000);
    const card = cardOf(reply!.body);
    const texts = textsOf(card);
    expect(texts[0]!.length).toBeGreaterThan(0); // the question was answered
    expect(texts).toContain('🖼️ Text read from nameplate.png');
    expect(card.body.find((b) => b.fontType === 'Monospace')?.text).toBe('E-214 HIGH VIBRATION');
    expect(texts).toContain('⚠️ old.jpg could not be downloaded: access was refused (HTTP 403); the link Teams gave for it may have expired; please send the file again.');
    expect(texts).toContain('⚠️ manual.pdf is a PDF, not an image I can read (PNG, JPEG, WebP or GIF).');
    // The pre-authorised link needs no token, so the bot's is not sent to the file host; the PDF is never fetched, nor SharePoint.
    expect(bf.fileDownloads).toEqual([{ id: 'file-1', auth: undefined, status: 200 }, { id: 'file-3', auth: undefined, status: 403 }]);
    expect(bf.contentUrlHits).toEqual([]);
  });

  it('the attachments endpoint wants the bot\'s token; when Teams refuses it the asker is told so in words and the text is still answered', async () => {
    const att = bf.addAttachment('att-2', 'panel2.png', 'image/png', await panelPng(['E-214 HIGH VIBRATION']));
    expect((await fetch(String(att.contentUrl))).status).toBe(401);
    expect((await fetch(String(att.contentUrl), { headers: { authorization: 'Bearer not-the-bot' } })).status).toBe(401);
    bf.attachmentToken = 'rotated-token'; // the bot's token is no longer accepted
    try {
      const act = teamsMessage(bf, { text: 'and this one?', attachments: [att] });
      expect((await bf.postActivity(botUrl, act)).status).toBe(200);
      const [reply] = await bf.waitForMessages(`${CHANNEL};messageid=${act.id}`, 1, 90_000);
      const card = cardOf(reply!.body);
      const texts = textsOf(card);
      expect(texts[0]!.length).toBeGreaterThan(0); // the question was answered
      expect(texts.slice(1, 2)).toEqual([
        "⚠️ panel2.png could not be downloaded: access was refused (HTTP 401); Teams did not accept the bot's sign-in for it; an administrator needs to check the bot's app registration (MicrosoftAppId, MicrosoftAppPassword, tenant).",
      ]);
      expect(card.body.some((b) => b.fontType === 'Monospace')).toBe(false);
      expect(card.actions!.some((a) => a.data.r1 === 'image_diagnose')).toBe(false);
    } finally {
      bf.attachmentToken = 'local-aad-access-token';
    }
    expect(bf.attachmentDownloads.filter((d) => d.id === 'att-2')).toEqual([
      { id: 'att-2', auth: undefined, status: 401 },
      { id: 'att-2', auth: 'Bearer not-the-bot', status: 401 },
      { id: 'att-2', auth: 'Bearer local-aad-access-token', status: 401 },
    ]);
  });
});
