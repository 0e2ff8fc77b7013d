/**
 * Fault severities as real catalogues write them, mapped to one normalised level (1 = most
 * severe … 5 = least) that orders and colours results. The catalogue's own word is kept and shown.
 *
 * Sources of the vocabularies: ISA-18.2 / IEC 62682 alarm priorities (urgent, critical, high,
 * medium, low, and the `diagnostic` class), the common info/warning/alarm/critical scheme,
 * major/minor, fatal, and numeric priorities 1–5 where 1 is the most severe.
 */
export const SEVERITY_LEVELS = [1, 2, 3, 4, 5] as const;
export type SeverityLevel = (typeof SEVERITY_LEVELS)[number];

/** Accepted words (compared in lower case) and their level. */
const WORDS: Readonly<Record<string, SeverityLevel>> = {
  urgent: 1, critical: 1, fatal: 1, '1': 1,
  high: 2, alarm: 2, major: 2, '2': 2,
  medium: 3, warning: 3, minor: 3, '3': 3,
  low: 4, '4': 4,
  diagnostic: 5, info: 5, '5': 5,
};

/** Every accepted severity word, most severe first (numbers 1–5 are accepted too). */
export const SEVERITIES = Object.keys(WORDS).filter((w) => !/^\d$/.test(w));

/** Short names of the levels, for colours and legends. */
export const SEVERITY_LEVEL_NAMES: Readonly<Record<SeverityLevel, string>> = { 1: 'critical', 2: 'high', 3: 'medium', 4: 'low', 5: 'info' };

/** The level of a catalogue's severity word, any letter case; null when the word is not known. */
export function severityLevelOf(word: string): SeverityLevel | null {
  return WORDS[word.trim().toLowerCase()] ?? null;
}

/** The one-line error for an unknown word, listing what is accepted. */
export function unknownSeverityMessage(word: string): string {
  return `${JSON.stringify(word)} is not a known severity; accepted (any letter case): ${SEVERITIES.join(', ')}, or a number 1–5 (1 most severe)`;
}

/** The colour mark of a level, shown before the catalogue's word (🔴 1 … ⚪ 5). */
export const SEVERITY_MARKS: Readonly<Record<SeverityLevel, string>> = { 1: '🔴', 2: '🟠', 3: '🟡', 4: '🔵', 5: '⚪' };
