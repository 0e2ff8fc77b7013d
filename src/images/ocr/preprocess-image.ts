import sharp, { type OutputInfo } from 'sharp';

/** An image sharp could not decode: damaged, truncated, or not what its first bytes claim. */
export class ImageDecodeError extends Error {
  readonly code = 'image_decode';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageDecodeError';
  }
}

export interface PreprocessOptions {
  /** Narrower images are upscaled to about this width: tesseract reads text best at ~30 px cap height. Default 1600. */
  minWidth?: number;
  /** Larger images are scaled down to this long side (a 48 MP phone photo reads no better and costs far more). Default 3000. */
  maxSide?: number;
}

export interface PreprocessedImage {
  /** Grayscale PNG ready for OCR. */
  png: Buffer;
  /** Size after rotation and scaling. */
  width: number;
  height: number;
  /** Size as decoded (after EXIF rotation), before scaling. */
  sourceWidth: number;
  sourceHeight: number;
  /** Light text on a dark background (an LCD or HMI screen) was inverted. */
  inverted: boolean;
}

/** More pixels than this (about 100 MP) is refused before decoding: a decompression bomb, not a photo. */
const MAX_INPUT_PIXELS = 100_000_000;

/**
 * Prepares a photo of a panel, a nameplate or a label for tesseract, with sharp (libvips):
 * the first frame only (GIF, animated WebP), rotated upright from its EXIF orientation, grayscale,
 * small images upscaled and huge ones scaled down, contrast stretched (`normalise`), and light-on-
 * dark screens inverted (tesseract's LSTM reads dark text on light far better). Decoding fails
 * here, with {@link ImageDecodeError}, for a damaged file — never inside tesseract, whose worker
 * would take the process down with it (see STACK.md).
 */
export async function preprocessImage(data: Uint8Array, o: PreprocessOptions = {}): Promise<PreprocessedImage> {
  const minWidth = o.minWidth ?? 1600;
  const maxSide = o.maxSide ?? 3000;
  let upright: { data: Buffer; info: OutputInfo };
  try {
    // failOn 'error': a truncated or corrupt file is an error, not a half-grey picture read as noise.
    upright = await sharp(data, { pages: 1, failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .grayscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageDecodeError(`image could not be decoded: ${(e as Error).message}`, { cause: e });
  }
  const { width: w, height: h } = upright.info;
  const long = Math.max(w, h);
  const scale = long > maxSide ? maxSide / long : w < minWidth ? Math.min(4, minWidth / w) : 1;
  const raw = { raw: { width: w, height: h, channels: upright.info.channels } } as const;
  const { channels } = await sharp(upright.data, raw).stats();
  const inverted = (channels[0]?.mean ?? 255) < 110;
  let img = sharp(upright.data, raw);
  if (scale !== 1) img = img.resize({ width: Math.round(w * scale), height: Math.round(h * scale), kernel: scale > 1 ? 'lanczos3' : 'mitchell' });
  if (inverted) img = img.negate();
  const out = await img.normalise().png({ compressionLevel: 1 }).toBuffer({ resolveWithObject: true });
  return { png: out.data, width: out.info.width, height: out.info.height, sourceWidth: w, sourceHeight: h, inverted };
}
