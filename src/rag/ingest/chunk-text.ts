/** One chunk of a document: the body text of (part of) a section and the section's heading path. */
export interface TextChunk {
  /** Headings from outermost to innermost (the document's `# Title` first, when it has one). */
  headingPath: string[];
  text: string;
}

export interface ChunkOptions {
  /** Maximum chunk size in characters. Defaults to 1200. */
  maxChars?: number;
  /** Characters of the previous chunk repeated at the start of the next one in the same section. Defaults to 150. */
  overlapChars?: number;
  /** `markdown`: `#` headings start sections (outside code fences); `plain`: no headings. Defaults to markdown. */
  syntax?: 'markdown' | 'plain';
}

interface Section {
  path: string[];
  lines: string[];
}

const HEADING_RE = /^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/;
const FENCE_RE = /^ {0,3}(```+|~~~+)/;

/** Heading text without Markdown decoration (links, emphasis, inline code, HTML anchors). */
export function cleanHeading(h: string): string {
  return h
    .replace(/<[^>]+>/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    // `_emphasis_` only: underscores inside identifiers (steps_per_mm) are kept.
    .replace(/(^|\s)_([^_]+)_(?=\s|$)/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Splits Markdown into sections by ATX headings, ignoring `#` lines inside fenced code. */
function toSections(text: string, syntax: 'markdown' | 'plain'): Section[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const sections: Section[] = [{ path: [], lines: [] }];
  const stack: Array<{ level: number; title: string }> = [];
  let fence: string | null = null;
  for (const line of lines) {
    if (syntax === 'markdown') {
      const f = FENCE_RE.exec(line);
      if (f) {
        const mark = f[1]!;
        if (fence === null) fence = mark[0]!.repeat(mark.length);
        else if (mark.startsWith(fence)) fence = null;
      } else if (fence === null) {
        const h = HEADING_RE.exec(line);
        if (h) {
          const level = h[1]!.length;
          while (stack.length && stack[stack.length - 1]!.level >= level) stack.pop();
          stack.push({ level, title: cleanHeading(h[2]!) });
          sections.push({ path: stack.map((s) => s.title), lines: [] });
          continue;
        }
      }
    }
    sections[sections.length - 1]!.lines.push(line);
  }
  return sections;
}

/** Paragraphs (blank-line separated), keeping a fenced code block whole. */
function toBlocks(lines: string[], syntax: 'markdown' | 'plain'): string[] {
  const blocks: string[] = [];
  let cur: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    const b = cur.join('\n').replace(/^\n+|\s+$/g, '');
    if (b.trim()) blocks.push(b);
    cur = [];
  };
  for (const line of lines) {
    const f = syntax === 'markdown' ? FENCE_RE.exec(line) : null;
    if (f) {
      const mark = f[1]!;
      if (fence === null) {
        flush();
        fence = mark[0]!.repeat(mark.length);
      } else if (mark.startsWith(fence)) {
        cur.push(line);
        fence = null;
        flush();
        continue;
      }
    }
    if (fence === null && line.trim() === '') flush();
    else cur.push(line);
  }
  flush();
  return blocks;
}

/** Cuts an over-long block at line, then sentence, then word boundaries. */
function splitLong(block: string, max: number): string[] {
  const out: string[] = [];
  let rest = block;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = window.lastIndexOf('\n');
    if (cut < max * 0.5) cut = Math.max(window.lastIndexOf('. '), window.lastIndexOf('; ')) + 1;
    if (cut < max * 0.5) cut = window.lastIndexOf(' ');
    if (cut < max * 0.5) cut = max;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}

/** The last `n` characters of `s`, starting at a word boundary. */
function tail(s: string, n: number): string {
  if (n <= 0) return '';
  if (s.length <= n) return s;
  const t = s.slice(s.length - n);
  const sp = t.indexOf(' ');
  return (sp >= 0 && sp < t.length - 1 ? t.slice(sp + 1) : t).trim();
}

/**
 * Chunks a document by headings: each section's body becomes one or more chunks of at most
 * `maxChars`, cut at paragraph boundaries (code fences kept whole when they fit), consecutive
 * chunks of one section overlapping by about `overlapChars`. Sections with an empty body
 * (a heading directly followed by a sub-heading) produce no chunk. Pure.
 */
export function chunkText(text: string, opts: ChunkOptions = {}): TextChunk[] {
  const { maxChars = 1200, overlapChars = 150, syntax = 'markdown' } = opts;
  if (!(maxChars >= 100)) throw new RangeError(`chunkText: maxChars must be at least 100, got ${maxChars}`);
  if (!(overlapChars >= 0 && overlapChars < maxChars / 2)) throw new RangeError(`chunkText: overlapChars must be in [0, maxChars/2), got ${overlapChars}`);
  const chunks: TextChunk[] = [];
  for (const sec of toSections(text, syntax)) {
    const blocks = toBlocks(sec.lines, syntax).flatMap((b) => (b.length > maxChars ? splitLong(b, maxChars - overlapChars) : [b]));
    let cur = '';
    let fresh = false; // cur holds more than the carried-over overlap
    const emit = () => {
      if (fresh && cur.trim()) chunks.push({ headingPath: sec.path, text: cur.trim() });
      cur = fresh ? tail(cur, overlapChars) : cur;
      fresh = false;
    };
    for (const b of blocks) {
      if (cur && cur.length + 2 + b.length > maxChars) emit();
      if (cur && cur.length + 2 + b.length > maxChars) cur = ''; // the overlap itself does not fit
      cur = cur ? `${cur}\n\n${b}` : b;
      fresh = true;
    }
    emit();
  }
  return chunks;
}

/** The document title: the first `# ` heading, else the file name made readable. */
export function titleOf(text: string, fileName: string, syntax: 'markdown' | 'plain' = 'markdown'): string {
  if (syntax === 'markdown') {
    let fence = false;
    for (const line of text.split('\n')) {
      if (FENCE_RE.test(line)) fence = !fence;
      if (fence) continue;
      const h = HEADING_RE.exec(line);
      if (h && h[1]!.length === 1) return cleanHeading(h[2]!);
    }
  }
  return fileName.replace(/\.[^.]+$/, '').replace(/[_-]+/g, ' ').trim() || fileName;
}
