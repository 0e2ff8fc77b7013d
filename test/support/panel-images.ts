import sharp from 'sharp';

export interface PanelOptions {
  width?: number;
  height?: number;
  /** Amber text on a dark screen, like an HMI or LCD. */
  dark?: boolean;
}

/** An SVG of a panel showing `lines` (rendered by sharp's librsvg with the system's sans font). */
export function panelSvg(lines: string[], o: PanelOptions = {}): Buffer {
  const w = o.width ?? 800;
  const h = o.height ?? 200;
  const longest = Math.max(...lines.map((l) => l.length));
  // Fits the width (bold DejaVu Sans is ~0.7 em per character) and the height (1.6 em per line).
  const size = Math.round(Math.min(h / (lines.length * 1.6 + 1.4), w / (longest * 0.72 + 2)));
  const text = lines.map((l, i) => `<text x="50%" y="${Math.round(h / 2 + (i - (lines.length - 1) / 2) * size * 1.6 + size / 3)}" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${size}" text-anchor="middle" fill="${o.dark ? '#ffb000' : '#202020'}">${l}</text>`).join('');
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="${o.dark ? '#102030' : '#f4f4f0'}"/>${text}</svg>`);
}

/** A PNG of the panel. */
export const panelPng = (lines: string[], o?: PanelOptions) => sharp(panelSvg(lines, o)).png().toBuffer();

/** A JPEG of the panel. */
export const panelJpeg = (lines: string[], o?: PanelOptions) => sharp(panelSvg(lines, o)).jpeg({ quality: 90 }).toBuffer();

/**
 * A JPEG as a phone stores a photo taken sideways: the pixels turned 90° and an EXIF orientation
 * (6: rotate 90° clockwise to view) saying how to show it upright.
 */
export async function sidewaysPhotoJpeg(lines: string[], o?: PanelOptions): Promise<Buffer> {
  const turned = await sharp(panelSvg(lines, o)).rotate(270).jpeg({ quality: 90 }).toBuffer();
  return sharp(turned).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
}

/** A PNG that starts right (signature and header) and then is garbage: passes the type check, fails decoding. */
export async function corruptPng(): Promise<Buffer> {
  const good = await panelPng(['E-214']);
  const bad = Buffer.from(good.subarray(0, Math.min(good.length, 400)));
  bad.fill(0x5a, 60);
  return bad;
}

/** A minimal one-page PDF (its bytes start with `%PDF-`). */
export const tinyPdf = () => Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

/** `n` bytes that begin like a PNG (for size limits: never decoded). */
export function bigPngLike(n: number): Buffer {
  const b = Buffer.alloc(n, 0x11);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b);
  return b;
}
