import path from 'node:path';
import { titleOf } from './chunk-text.js';
import { extractHtml } from './extract-html.js';
import { extractPdf } from './extract-pdf.js';
import { RagError } from '../errors.js';

export type DocumentFormat = 'markdown' | 'text' | 'html' | 'pdf';

const EXTENSIONS: Record<string, DocumentFormat> = {
  '.md': 'markdown', '.markdown': 'markdown', '.mdx': 'markdown',
  '.txt': 'text', '.text': 'text', '.log': 'text',
  '.html': 'html', '.htm': 'html', '.xhtml': 'html',
  '.pdf': 'pdf',
};

/** The format for a file name, or null when ingestion does not read it. */
export function formatOf(fileName: string): DocumentFormat | null {
  return EXTENSIONS[path.extname(fileName).toLowerCase()] ?? null;
}

export interface ExtractedDocument {
  format: DocumentFormat;
  title: string;
  /** Text to chunk; Markdown headings for markdown, html and pdf. */
  text: string;
  syntax: 'markdown' | 'plain';
}

/** Text files must be UTF-8 without NUL bytes: anything else is reported as corrupt, not ingested as noise. */
function decodeText(data: Uint8Array, fileName: string): string {
  if (data.includes(0)) throw new RagError('extract_failed', `${fileName}: binary content (NUL bytes) in a text file`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data).replace(/^\uFEFF/, '');
  } catch (e) {
    throw new RagError('extract_failed', `${fileName}: not valid UTF-8 text`, { cause: e });
  }
}

/** Reads a document's text and title. Throws {@link RagError} for unsupported or unreadable files. */
export async function extractDocument(data: Uint8Array, fileName: string): Promise<ExtractedDocument> {
  const format = formatOf(fileName);
  const base = path.basename(fileName);
  switch (format) {
    case 'markdown': {
      const text = decodeText(data, fileName);
      return { format, title: titleOf(text, base), text, syntax: 'markdown' };
    }
    case 'text': {
      const text = decodeText(data, fileName);
      return { format, title: titleOf(text, base, 'plain'), text, syntax: 'plain' };
    }
    case 'html': {
      const h = extractHtml(decodeText(data, fileName));
      return { format, title: h.title ?? titleOf(h.markdown, base), text: h.markdown, syntax: 'markdown' };
    }
    case 'pdf': {
      let p;
      try {
        p = await extractPdf(data);
      } catch (e) {
        throw new RagError('extract_failed', `${fileName}: unreadable PDF (${(e as Error).message})`, { cause: e });
      }
      const found = titleOf(p.markdown, base);
      const title = p.title ?? (/^Page \d+$/.test(found) ? titleOf('', base, 'plain') : found);
      return { format, title, text: p.markdown, syntax: 'markdown' };
    }
    case null:
      throw new RagError('unsupported_format', `${fileName}: unsupported file type (supported: ${Object.keys(EXTENSIONS).join(' ')})`);
    default:
      return format satisfies never;
  }
}
