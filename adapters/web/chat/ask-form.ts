import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { ImageInput } from '../../../src/index.js';
import { hasValidCsrfToken, type WebUser } from '../web-auth.js';

/** The question form of `/chat`: its text, the conversation or knowledge group, and the attached images. */
export interface AskForm {
  text: string;
  chat?: string;
  group?: string;
  /** As admission takes them: bytes, with the name and type the browser declared. */
  images: ImageInput[];
}

/**
 * Reads the question form: a plain form post (text only, as `fetch` sends it without files) or a
 * multipart one (with images; also the form's own encoding without JavaScript). Images are not
 * judged here: each goes to `admitQuestion` as bytes with its declared name, type and size, and
 * admission refuses what every surface refuses (IMAGE_MAX_COUNT, IMAGE_MAX_BYTES, a type that is
 * not PNG/JPEG/WebP/GIF by its first bytes), each with a reason the asker sees. Of a file over
 * the size limit only the first `maxBytes + 1` bytes are kept (the rest is counted for the
 * message), and beyond `maxCount` files none. Returns null when a multipart body lacks the CSRF
 * token (header, or the `_csrf` field before the files: no file is read without it).
 */
export async function readAskForm(req: FastifyRequest, user: WebUser, limits: { maxBytes: number; maxCount: number }): Promise<AskForm | null> {
  if (!req.isMultipart()) {
    const b = (req.body ?? {}) as Record<string, unknown>;
    return { text: String(b.text ?? ''), chat: b.chat ? String(b.chat) : undefined, group: b.group ? String(b.group) : undefined, images: [] };
  }
  let csrfOk = hasValidCsrfToken(req, user);
  const form: AskForm = { text: '', images: [] };
  // A file over WEB_UPLOAD_MAX_BYTES is cut there, not an error: admission refuses it by its size (the option exists at run time, not in the types).
  for await (const part of req.parts({ throwFileSizeLimit: false } as Parameters<FastifyRequest['parts']>[0])) {
    if (part.type === 'field') {
      const value = String(part.value ?? '');
      if (part.fieldname === '_csrf') csrfOk ||= hasValidCsrfToken(req, user, value);
      else if (part.fieldname === 'text') form.text = value;
      else if (part.fieldname === 'chat' && value) form.chat = value;
      else if (part.fieldname === 'group' && value) form.group = value;
      continue;
    }
    if (!csrfOk) {
      part.file.resume();
      return null;
    }
    const keep = form.images.length < limits.maxCount;
    const chunks: Buffer[] = [];
    let kept = 0;
    let total = 0;
    for await (const chunk of part.file as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (keep && kept <= limits.maxBytes) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    }
    // A file input left empty still sends a part, with no name and no bytes.
    if (!part.filename && total === 0) continue;
    form.images.push({
      name: path.basename(part.filename || '').slice(0, 120) || undefined,
      mime: part.mimetype,
      bytes: total,
      source: { kind: 'bytes', data: new Uint8Array(Buffer.concat(chunks)) },
    });
  }
  return csrfOk ? form : null;
}
