/** Levenshtein edit distance (insert, delete, substitute: cost 1 each). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

export interface ClosestOptions {
  /** Most matches returned. Defaults to 3. */
  max?: number;
  /** Largest distance still called "close". Defaults to max(1, a third of the input's length, punctuation ignored). */
  maxDistance?: number;
}

/**
 * The candidates closest to `input` by edit distance, case-insensitive, nearest first (ties
 * alphabetical). Punctuation is ignored, so `P101` finds `P-101` at distance 0.
 */
export function closestMatches(input: string, candidates: readonly string[], o: ClosestOptions = {}): string[] {
  const norm = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const q = norm(input);
  const limit = o.maxDistance ?? Math.max(1, Math.floor(q.length / 3));
  return [...new Set(candidates)]
    .map((c) => ({ c, d: Math.min(editDistance(q, norm(c)), editDistance(input.toUpperCase(), c.toUpperCase())) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, o.max ?? 3)
    .map((x) => x.c);
}
