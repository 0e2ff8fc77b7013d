import net, { type AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type Db } from '../../../src/index.js';
import { FakeVision } from '../../support/fake-vision.js';
import { corruptPng, panelPng, tinyPdf } from '../../support/panel-images.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startServiceFixture, type ServiceFixture } from '../../support/service-fixture.js';

const MODEL = 'stories260K-r1-test';
const dataUrl = (b: Uint8Array, type = 'image/png') => `data:${type};base64,${Buffer.from(b).toString('base64')}`;
const ask = (text: string, url: string): OpenAI.ChatCompletionMessageParam[] => [{ role: 'user', content: [{ type: 'text', text }, { type: 'image_url', image_url: { url } }] }];

describe.skipIf(!hasTestModel)('/v1 image_url parts (data: URLs) → OCR (+ optional vision model) → the answer', () => {
  let fx: ServiceFixture;
  let db: Db;
  let svc: ServiceFixture['svc'];
  let vision: FakeVision;
  let client: OpenAI;
  let panel: Buffer;

  beforeAll(async () => {
    vision = await new FakeVision().start();
    fx = await startServiceFixture({
      API_KEYS: 'true', LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: '16', VISION_URL: vision.url, VISION_MODEL: 'qwen2-vl', VISION_TIMEOUT_MS: '5000',
    }, { ocr: true });
    ({ db, svc } = fx);
    client = new OpenAI({ apiKey: (await createApiKey(db, 'hmi')).key, baseURL: `${svc.baseUrl}/v1`, maxRetries: 0 });
    panel = await panelPng(['E-214 HIGH VIBRATION']);
  }, 120_000);
  afterAll(async () => {
    await fx?.close();
    await vision?.close();
  });

  const jobs = async () => Object.values(await svc.rt.queues.intakeFor('api').getJobCounts()).reduce((a, b) => a + b, 0);

  it('reads the image: the model gets the OCR text and the vision description; the content shows both', async () => {
    const r = await client.chat.completions.create({ model: MODEL, messages: ask('what is wrong with the pump?', dataUrl(panel)), max_tokens: 16 });
    const content = r.choices[0]!.message.content!;
    expect(content).toContain('**Text read from image 1:**\n```\nE-214 HIGH VIBRATION\n```\n_Image model:_ A control panel with an amber display showing a fault code.');
    expect(vision.requests).toHaveLength(1);
    expect(vision.requests[0]!.model).toBe('qwen2-vl');
    expect(vision.requests[0]!.images[0]).toMatch(/^data:image\/png;base64,/);
    const { rows } = await db.query<Record<string, unknown>>(`SELECT source, status, mime, bytes, ocr_text, vision_text, data IS NULL AS no_data FROM question_images`);
    expect(rows).toEqual([{ source: 'redis', status: 'read', mime: 'image/png', bytes: panel.byteLength, ocr_text: 'E-214 HIGH VIBRATION', vision_text: 'A control panel with an amber display showing a fault code.', no_data: true }]);
    // The parked bytes were removed from Redis once stored.
    expect(await svc.rt.redis.keys(`${svc.rt.cfg.QUEUE_PREFIX}:img:*`)).toEqual([]);
  });

  it('a failing vision endpoint means OCR only (the answer still comes)', async () => {
    vision.answer = { status: 503 };
    try {
      const r = await client.chat.completions.create({ model: MODEL, messages: ask('and now?', dataUrl(await panelPng(['E-117 SEAL LEAK']))), max_tokens: 16 });
      const content = r.choices[0]!.message.content!;
      expect(content).toContain('**Text read from image 1:**\n```\nE-117 SEAL LEAK\n```');
      expect(content).not.toContain('Image model');
    } finally {
      vision.answer = { description: 'A control panel with an amber display showing a fault code.' };
    }
  });

  it('a damaged PNG is answered with a note that it could not be read', async () => {
    const r = await client.chat.completions.create({ model: MODEL, messages: ask('is this ok?', dataUrl(await corruptPng())), max_tokens: 16 });
    expect(r.choices[0]!.message.content).toContain('⚠️ image 1 could not be read: the file looks damaged or is not a complete image.');
  });

  it.each([
    ['an https:// image URL (nothing is fetched from outside)', 'https://example.com/panel.png', 'unsupported_image_url', /^Remote image URLs are not fetched/],
    ['a PDF labelled image/png', dataUrl(tinyPdf()), 'invalid_image', /^Image 1 is a PDF, not an image I can read \(PNG, JPEG, WebP or GIF\)\.$/],
    ['not a data: URL', 'ftp://x/y.png', 'invalid_image_url', /base64 data: URL/],
  ])('%s → 400 in OpenAI\'s error shape, nothing queued', async (_name, url, code, message) => {
    const before = await jobs();
    const err = await client.chat.completions.create({ model: MODEL, messages: ask('look', url) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.code).toBe(code);
    expect(e.param).toBe('messages[0].content[1].image_url.url');
    expect((e.error as { message: string }).message).toMatch(message);
    expect(await jobs()).toBe(before);
  });

  it('remote image URLs — https, http, even on this machine — are refused, and nothing is fetched', async () => {
    // Anything listening here would see a TLS or HTTP connection if the server tried the URL.
    const seen: string[] = [];
    const srv = net.createServer((sock) => {
      seen.push(String(sock.remotePort));
      sock.destroy();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    try {
      for (const url of [`https://127.0.0.1:${port}/panel.png`, `http://127.0.0.1:${port}/panel.png`, `HTTPS://localhost:${port}/panel.png`]) {
        const before = await jobs();
        const err = await client.chat.completions.create({ model: MODEL, messages: ask('what does the panel say?', url) }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OpenAI.BadRequestError);
        expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('unsupported_image_url');
        expect(await jobs()).toBe(before);
      }
      expect(seen).toEqual([]);
    } finally {
      srv.close();
    }
  });
});
