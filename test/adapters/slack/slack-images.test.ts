import { createHash } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/index.js';
import { FakeSlack, type SlackCall } from '../../support/fake-slack.js';
import { bigPngLike, corruptPng, panelJpeg, panelPng, sidewaysPhotoJpeg, tinyPdf } from '../../support/panel-images.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { postButtonPress } from '../../support/slack-interactions.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../../support/slack-signing.js';
import { startServiceFixture, type ServiceFixture } from '../../support/service-fixture.js';

const SECRET = 'images-signing-secret';
let tsN = 0;
const newTs = () => `1700003000.${String(++tsN).padStart(6, '0')}`;
type Block = { type: string; text?: { text: string }; elements?: Array<{ action_id?: string; value?: string; text?: { text: string } }> };
const blocksOf = (c: SlackCall) => (c.params.blocks as Block[] | undefined) ?? [];
/** Polls until `f` is true (the delivery worker records a post right after making it). */
async function eventually(f: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const sectionTexts = (c: SlackCall) => blocksOf(c).filter((b) => b.type === 'section').map((b) => b.text!.text);

describe.skipIf(!hasTestModel)('Slack: a photo of the panel is the question (files → OCR in the worker → reply with the read text)', () => {
  let fake: FakeSlack;
  let fx: ServiceFixture;
  let db: Db;
  let url: string;
  let panel: Buffer;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    // The registry: P-101 and P-102 are model CP-200, whose catalogue has E-214.
    fx = await startServiceFixture({
      SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LLAMA_SEQUENCES: '2', LLAMA_CONTEXT_SIZE: '2048',
      LLAMA_MAX_TOKENS: '24', DIAGNOSIS_MAX_TOKENS: '1400', DIAGNOSIS_REASONING_TOKENS: '0',
    }, { registry: true, ocr: true });
    db = fx.db;
    url = `${fx.svc.baseUrl}/slack/events`;
    panel = await panelPng(['E-214 HIGH VIBRATION']);
  }, 120_000);
  afterAll(async () => {
    await fx?.close();
    await fake?.close();
  });

  const mention = async (text: string, files: Array<Record<string, unknown>>) => {
    const ts = newTs();
    const ev = { type: 'app_mention', user: 'U123', text: `<@UBOT> ${text}`.trim(), ts, channel: 'C42', event_ts: ts, files };
    const res = await postSignedToSlackApp(url, SECRET, slackEventEnvelope(ev));
    expect(res.status).toBe(200);
    return ts;
  };
  const replyIn = (thread: string) => fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === thread && !(c.params.metadata as { event_type?: string } | undefined)?.event_type?.startsWith('r1_diagnosis'), 90_000);

  let answered: { thread: string; replyTs: string };

  it('reads the panel attached to a mention and shows the read text with the answer; offers Diagnose for P-101 (E-214)', async () => {
    const file = fake.addFile({ id: 'F1', name: 'panel.png', mimetype: 'image/png', data: panel });
    const thread = await mention('what does this mean?', [file]);
    const reply = await replyIn(thread);
    const sections = sectionTexts(reply);
    expect(sections[0]).toBe(':frame_with_picture: *Text read from panel.png*\n```E-214 HIGH VIBRATION```');
    const actions = blocksOf(reply).find((b) => b.type === 'actions')!;
    expect(actions.elements!.map((e) => [e.action_id, e.value, e.text!.text])).toEqual([
      ['image_diagnose_0', 'P-101 E-214', '🔧 Diagnose P-101 (E-214)'],
      ['image_diagnose_1', 'P-102 E-214', '🔧 Diagnose P-102 (E-214)'],
    ]);
    // Downloaded once, with the bot token.
    expect(fake.downloads.filter((d) => d.path.includes('T1-F1'))).toEqual([{ path: '/files-pri/T1-F1/download/panel.png', auth: 'Bearer xoxb-test', status: 200 }]);
    // Stored with the answer: what was read, sha256, size, type; not the image.
    await eventually(async () => (await db.query<{ status: string }>('SELECT status FROM messages WHERE thread = $1', [thread])).rows[0]?.status === 'delivered');
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT i.status, i.name, i.mime, i.bytes, i.sha256, i.ocr_text, i.data IS NULL AS no_data, m.status AS message_status
       FROM question_images i JOIN messages m ON m.job_id = i.job_id WHERE m.thread = $1`, [thread]);
    expect(rows).toEqual([{
      status: 'read', name: 'panel.png', mime: 'image/png', bytes: panel.byteLength, sha256: createHash('sha256').update(panel).digest('hex'),
      ocr_text: 'E-214 HIGH VIBRATION', no_data: true, message_status: 'delivered',
    }]);
    answered = { thread, replyTs: fake.messages.find((m) => m.thread_ts === thread && m.bot_id)!.ts };
  });

  it('pressing Diagnose starts /diagnose P-101 E-214 in the same thread (through admission, command diagnose)', async () => {
    const res = await postButtonPress(url, SECRET, { actionId: 'image_diagnose_0', value: 'P-101 E-214', channel: 'C42', messageTs: answered.replyTs, threadTs: answered.thread, blockId: 'image_diagnose' });
    expect(res.status).toBe(200);
    const note = await fake.waitFor((c) => c.method === 'chat.postEphemeral' && String(c.params.text).includes('Diagnosing `P-101`'));
    expect(note.params.thread_ts).toBe(answered.thread);
    const result = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === answered.thread
      && (c.params.metadata as { event_type?: string } | undefined)?.event_type === 'r1_diagnosis', 120_000);
    expect(result.params.channel).toBe('C42');
    // No new thread was opened in the channel for it.
    expect(fake.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === undefined)).toEqual([]);
    const { rows } = await db.query<{ asset_id: string; fault_code: string; requested_by: string }>(`SELECT asset_id, fault_code, requested_by FROM diagnoses`);
    expect(rows).toEqual([{ asset_id: 'P-101', fault_code: 'E-214', requested_by: 'U123' }]);
  });

  it('a sideways phone photo (EXIF), a small crop and a large photo attached together are each read upright and shown under their names', async () => {
    const files = [
      fake.addFile({ id: 'F8', name: 'sideways.jpg', mimetype: 'image/jpeg', data: await sidewaysPhotoJpeg(['E-214 HIGH VIBRATION']) }),
      fake.addFile({ id: 'F9', name: 'small.png', mimetype: 'image/png', data: await panelPng(['E-214 HIGH VIBRATION'], { width: 240, height: 60 }) }),
      fake.addFile({ id: 'F10', name: 'large.jpg', mimetype: 'image/jpeg', data: await panelJpeg(['E-214 HIGH VIBRATION'], { width: 4000, height: 1000 }) }),
    ];
    const thread = await mention('three pictures of the same panel', files);
    const reply = await replyIn(thread);
    expect(sectionTexts(reply).slice(0, 3)).toEqual(['sideways.jpg', 'small.png', 'large.jpg'].map((n) => `:frame_with_picture: *Text read from ${n}*\n\`\`\`E-214 HIGH VIBRATION\`\`\``));
    const { rows } = await db.query<{ name: string; width: number; height: number }>(
      `SELECT i.name, i.width, i.height FROM question_images i JOIN messages m ON m.job_id = i.job_id WHERE m.thread = $1 ORDER BY i.idx`, [thread]);
    // Upright (wider than tall) after the EXIF rotation; the small one upscaled, the large one scaled down.
    expect(rows.map((r) => [r.name, r.width > r.height])).toEqual([['sideways.jpg', true], ['small.png', true], ['large.jpg', true]]);
    expect(rows[1]!.width).toBeGreaterThan(240);
    expect(rows[2]!.width).toBeLessThan(4000);
  });

  it('a 20 MB file, a damaged PNG and a PDF each get a clear note, and the text is still answered', async () => {
    const huge = fake.addFile({ id: 'F2', name: 'huge.png', mimetype: 'image/png', data: bigPngLike(20 * 1024 * 1024) });
    // Declared small, really 12 MB, sent without Content-Length: the download stops at the limit.
    const liar = fake.addFile({ id: 'F3', name: 'liar.png', mimetype: 'image/png', data: bigPngLike(12 * 1024 * 1024), size: 2048, chunked: true });
    const broken = fake.addFile({ id: 'F4', name: 'broken.png', mimetype: 'image/png', data: await corruptPng() });
    const pdf = fake.addFile({ id: 'F5', name: 'manual.pdf', mimetype: 'application/pdf', data: tinyPdf() });
    const thread = await mention('is the pump ok?', [huge, liar, broken, pdf]);
    const reply = await replyIn(thread);
    expect(String(reply.params.text).length).toBeGreaterThan(0); // the question was answered
    expect(sectionTexts(reply)).toEqual([
      ':warning: liar.png is over 10 MB; the limit is 10 MB per image.',
      ':warning: broken.png could not be read: the file looks damaged or is not a complete image.',
      ':warning: huge.png is 20 MB; the limit is 10 MB per image.',
      ':warning: manual.pdf is a PDF, not an image I can read (PNG, JPEG, WebP or GIF).',
    ]);
    expect(blocksOf(reply).some((b) => b.type === 'actions')).toBe(false);
    // The declared 20 MB file and the PDF were never downloaded.
    expect(fake.downloads.filter((d) => /T1-F[25]/.test(d.path))).toEqual([]);
  });

  it('a picture that is not an image alone is refused privately, nothing queued', async () => {
    const pdf = fake.addFile({ id: 'F6', name: 'only.pdf', mimetype: 'application/pdf', data: tinyPdf() });
    const before = await fx.svc.rt.queues.intakeFor('slack').count();
    await mention('', [pdf]);
    const eph = await fake.waitFor((c) => c.method === 'chat.postEphemeral' && String(c.params.text).includes('only.pdf'));
    expect(eph.params.text).toBe('⚠️ only.pdf is a PDF, not an image I can read (PNG, JPEG, WebP or GIF).');
    expect(await fx.svc.rt.queues.intakeFor('slack').count()).toBe(before);
  });

  it('the local Slack serves files only with the right bearer token; a refused download is said so and the text answered', async () => {
    const file = fake.addFile({ id: 'F7', name: 'panel2.png', mimetype: 'image/png', data: panel });
    expect((await fetch(String(file.url_private_download))).status).toBe(403);
    expect((await fetch(String(file.url_private_download), { headers: { authorization: 'Bearer xoxb-wrong' } })).status).toBe(403);
    fake.botToken = 'xoxb-rotated'; // the bot's token no longer matches
    try {
      const thread = await mention('and this one?', [file]);
      const reply = await replyIn(thread);
      expect(sectionTexts(reply)).toEqual([':warning: panel2.png could not be downloaded: access was refused (HTTP 403); the bot may be missing the files:read permission.']);
    } finally {
      fake.botToken = 'xoxb-test';
    }
    expect(fake.downloads.filter((d) => d.path.includes('T1-F7')).map((d) => d.status)).toEqual([403, 403, 403]);
  });

  it('a file URL that is not Slack\'s own is never fetched (the bot token goes nowhere else); the asker is told and the text answered', async () => {
    const seen: number[] = [];
    const elsewhere = net.createServer((sock) => {
      seen.push(sock.remotePort ?? 0);
      sock.destroy();
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    try {
      const host = `127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
      const file = { ...fake.addFile({ id: 'F11', name: 'elsewhere.png', mimetype: 'image/png', data: panel }), url_private_download: `http://${host}/files-pri/T1-F11/download/elsewhere.png` };
      const thread = await mention('what about this?', [file]);
      const reply = await replyIn(thread);
      expect(String(reply.params.text).length).toBeGreaterThan(0);
      expect(sectionTexts(reply)).toEqual([':warning: elsewhere.png is not a Slack file.']);
      expect(seen).toEqual([]);
    } finally {
      elsewhere.close();
    }
  });
});
