import type { RetrievedChunk, SourceRef } from './types.js';

/** Section label: the heading path without the document title when it opens the path. */
export function sectionOf(c: Pick<RetrievedChunk, 'title' | 'headingPath'>): string {
  const path = c.headingPath[0] === c.title ? c.headingPath.slice(1) : c.headingPath;
  return path.join(' › ');
}

/** Numbered sources for retrieved chunks, in order: `[1]` ↔ the first chunk. */
export function toSourceRefs(chunks: RetrievedChunk[]): SourceRef[] {
  return chunks.map((c, i) => ({ n: i + 1, title: c.title, source: c.source, section: sectionOf(c), ...(c.web ? { web: true } : {}) }));
}

/** `[n]` citation markers: not part of a word or index (`a[1]`), not a Markdown link (`[1](…)`). */
const CITATION_RE = /(?<![\w\]])\[(\d{1,3})\](?![(:])/g;

/**
 * Removes citation markers that point at no source (a model inventing `[7]` with five sources,
 * or any citation when there were none), so the reply never shows a reference that does not exist.
 */
export function stripInvalidCitations(answer: string, sourceCount: number): string {
  // A removed marker takes the blanks before it along ("see [7]." → "see.").
  return answer.replace(CITATION_RE, (m, n: string) => (Number(n) >= 1 && Number(n) <= sourceCount ? m : '\u0000')).replace(/[ \t]*\u0000/g, '');
}

/** The source numbers an answer cites, ascending, deduplicated. */
export function citedNumbers(answer: string): number[] {
  return [...new Set([...answer.matchAll(CITATION_RE)].map((m) => Number(m[1])))].sort((a, b) => a - b);
}
