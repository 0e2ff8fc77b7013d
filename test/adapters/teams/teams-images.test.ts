import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/index.js';
import { until } from '../../support/child-service.js';
import { LocalBotFramework, teamsMessage } from '../../support/local-bot-framework.js';
import { panelPng } from '../../support/panel-images.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startServiceFixture, type ServiceFixture } from '../../support/service-fixture.js';

const CHANNEL = '19:chan@thread.tacv2';
type Card = { body: Array<Record<string, unknown>>; actions?: Array<{ title: string; data: Record<string, unknown> }> };
const cardOf = (body: Record<string, unknown> | undefined) => (body!.attachments as Array<{ content: Card }>)[0]!.content;

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
});
