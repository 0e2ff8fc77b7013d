import { readFile } from 'node:fs/promises';

/** A site thesaurus: groups of words or phrases that mean the same thing on this site. */
export type SynonymGroups = string[][];

/**
 * Parses a thesaurus: one group per line, members separated by commas (`jog, move, home`);
 * blank lines and `#` comments are ignored; members are lower-cased, groups of one are dropped.
 */
export function parseSynonyms(text: string): SynonymGroups {
  return text.split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').split(',').map((m) => m.trim().toLowerCase().replace(/\s+/g, ' ')).filter(Boolean))
    .filter((g) => g.length > 1);
}

/** Reads `RAG_SYNONYMS_FILE`. */
export async function loadSynonyms(file: string): Promise<SynonymGroups> {
  return parseSynonyms(await readFile(file, 'utf8'));
}

/**
 * A light stemmer for matching thesaurus entries against a question (`jogging` ~ `jog`,
 * `heaters` ~ `heater`); the search itself uses PostgreSQL's English stemmer.
 */
export function roughStem(word: string): string {
  let w = word.toLowerCase().replace(/'s$/, '');
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  for (const suf of ['ing', 'ed', 'es', 's']) {
    if (w.length - suf.length >= 3 && w.endsWith(suf)) {
      w = w.slice(0, -suf.length);
      break;
    }
  }
  if (/([b-df-hj-np-tv-z])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}

const words = (s: string) => (s.toLowerCase().match(/[a-z0-9]+(?:[._-][a-z0-9]+)*/g) ?? []).map(roughStem);

/**
 * The thesaurus members to search alongside a question: for every group with a member in the
 * question (a phrase matches as consecutive words), the group's other members. Applied to
 * queries only: the index keeps the manuals' own words.
 */
export function synonymExpansions(question: string, groups: SynonymGroups): string[] {
  const q = words(question);
  const has = (phrase: string[]) => phrase.length > 0 && q.some((_, i) => phrase.every((p, j) => q[i + j] === p));
  const out = new Set<string>();
  for (const g of groups) {
    const hit = g.filter((m) => has(words(m)));
    if (hit.length === 0) continue;
    for (const m of g) if (!hit.includes(m)) out.add(m);
  }
  return [...out];
}
