/** Image types the bot reads (a GIF's first frame only). */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** Human names for the types people attach by mistake, for a clear refusal. */
const OTHER_TYPES: Array<{ name: string; test: (b: Uint8Array) => boolean }> = [
  { name: 'a PDF', test: (b) => ascii(b, 0, 5) === '%PDF-' },
  { name: 'a ZIP or Office document', test: (b) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04 },
  { name: 'a TIFF image', test: (b) => ascii(b, 0, 4) === 'II*\u0000' || ascii(b, 0, 4) === 'MM\u0000*' },
  { name: 'a BMP image', test: (b) => ascii(b, 0, 2) === 'BM' },
  { name: 'a HEIC photo', test: (b) => ascii(b, 4, 8) === 'ftyp' && /^(heic|heix|mif1|msf1|hevc)$/.test(ascii(b, 8, 12)) },
  { name: 'an SVG drawing', test: (b) => /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/i.test(ascii(b, 0, 200)) },
  { name: 'a web page', test: (b) => /^\s*<(!doctype html|html)/i.test(ascii(b, 0, 100)) },
];

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < Math.min(to, b.length); i++) s += String.fromCharCode(b[i]!);
  return s;
}

/**
 * The image type from the file's first bytes (its "magic number"), never from the name or the
 * declared type: a `.png` that is really a PDF, or Slack's HTML sign-in page served instead of the
 * file (wrong token), is caught here. Signatures: PNG `\x89PNG\r\n\x1a\n`, JPEG `FF D8 FF`,
 * WebP `RIFF….WEBP`, GIF `GIF87a`/`GIF89a`.
 */
export function sniffImageType(b: Uint8Array): ImageType | null {
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 8) === 'PNG\r\n\u001a\n') return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return 'image/gif';
  return null;
}

/** What a non-image file looks like, for the refusal text (`a PDF`), or null when unknown. */
export function describeNonImage(b: Uint8Array): string | null {
  return OTHER_TYPES.find((t) => t.test(b))?.name ?? null;
}

/** Whether a declared MIME type is one we read (parameters and case ignored). */
export function isReadableMime(mime: string | undefined): boolean {
  const m = mime?.split(';')[0]?.trim().toLowerCase();
  return m === 'image/jpg' || (IMAGE_TYPES as readonly string[]).includes(m ?? '');
}

/** `10 MB`, `512 KB`: sizes in refusals. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Number((n / (1024 * 1024)).toFixed(1))} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
