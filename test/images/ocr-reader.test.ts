import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { ImageDecodeError, OcrLanguageError, OcrReader, preprocessImage } from '../../src/index.js';
import { corruptPng, panelJpeg, panelPng, panelSvg, sidewaysPhotoJpeg } from '../support/panel-images.js';

const PANEL = ['E-214 HIGH VIBRATION'];

describe('OCR: sharp preprocessing + tesseract.js with the packaged English data (offline)', () => {
  let reader: OcrReader;
  beforeAll(async () => {
    reader = await OcrReader.create({ langs: 'eng', concurrency: 2 });
  }, 60_000);
  afterAll(async () => {
    await reader?.close();
  });

  it.each([
    ['PNG', () => panelPng(PANEL)],
    ['JPEG', () => panelJpeg(PANEL)],
    ['small (240×60, upscaled)', () => panelPng(PANEL, { width: 240, height: 60 })],
    ['large (4000×1000, scaled down)', () => panelPng(PANEL, { width: 4000, height: 1000 })],
    ['sideways photo with EXIF orientation', () => sidewaysPhotoJpeg(PANEL)],
    ['amber on a dark HMI screen', () => panelJpeg(PANEL, { dark: true })],
    ['GIF (first frame)', () => sharp(panelSvg(PANEL)).gif().toBuffer()],
    ['WebP', () => sharp(panelSvg(PANEL)).webp().toBuffer()],
  ])('reads %s', async (_name, make) => {
    const res = await reader.read(await make());
    expect(res.text).toBe('E-214 HIGH VIBRATION');
    expect(res.confidence).toBeGreaterThan(60);
  });

  it('never reads more images at once than its concurrency; the rest wait', async () => {
    reader.peakActive = 0;
    const imgs = await Promise.all(['P-101 OK', 'P-102 OK', 'K-7 E-214', 'M-3 OK', 'E-219 TEMP'].map((t) => panelPng([t], { width: 400, height: 100 })));
    const texts = await Promise.all(imgs.map((b) => reader.read(b).then((r) => r.text)));
    expect(texts).toEqual(['P-101 OK', 'P-102 OK', 'K-7 E-214', 'M-3 OK', 'E-219 TEMP']);
    expect(reader.peakActive).toBe(2);
    expect(reader.active).toBe(0);
  });

  it('a damaged PNG fails in sharp with ImageDecodeError (never inside tesseract, which would take the process down)', async () => {
    await expect(reader.read(await corruptPng())).rejects.toBeInstanceOf(ImageDecodeError);
    // The reader still works afterwards.
    expect((await reader.read(await panelPng(['E-117 SEAL LEAK']))).text).toBe('E-117 SEAL LEAK');
  });

  it('preprocessing: EXIF rotation applied, small images upscaled, dark screens inverted', async () => {
    const sideways = await preprocessImage(await sidewaysPhotoJpeg(PANEL));
    expect(sideways.sourceWidth).toBe(800);
    expect(sideways.sourceHeight).toBe(200);
    const small = await preprocessImage(await panelPng(PANEL, { width: 240, height: 60 }));
    expect(small.width).toBe(960); // 4× at most
    expect((await preprocessImage(await panelJpeg(PANEL, { dark: true }))).inverted).toBe(true);
    expect((await preprocessImage(await panelJpeg(PANEL))).inverted).toBe(false);
  });
});

describe('OcrReader configuration', () => {
  it('names the missing data package for a language not installed, and downloads nothing', async () => {
    await expect(OcrReader.create({ langs: 'eng+xyz', concurrency: 1, linkDir: '/tmp/r1-tessdata-test' })).rejects.toThrow(OcrLanguageError);
    await expect(OcrReader.create({ langs: 'xyz', concurrency: 1 })).rejects.toThrow(/npm install @tesseract\.js-data\/xyz/);
  });
  it('refuses a concurrency below 1', async () => {
    await expect(OcrReader.create({ langs: 'eng', concurrency: 0 })).rejects.toThrow(/concurrency must be an integer ≥ 1/);
  });
});
