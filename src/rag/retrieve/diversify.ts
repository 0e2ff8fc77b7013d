/** Options for {@link diversify}. */
export interface DiversifyOptions {
  /** Chunks of one document before every other document's chunks have had their place. */
  maxPerDoc: number;
  /**
   * Share of a chunk's final score that comes from its document's score (0 = chunk score only).
   * A document's score is Σ its chunks' scores × ½^i (i = rank within the document), so a manual
   * with several matching sections lifts its best section above a lone lucky match elsewhere.
   */
  docWeight: number;
}

/**
 * Document-level fusion and a diverse top-k: chunk scores are blended with their document's
 * score, then at most `maxPerDoc` chunks of a document come before chunks of other documents
 * (the rest follow, in order). The user needs the right manual among the first few sources, not
 * five pieces of one.
 */
export function diversify<T extends { documentId: string; score: number }>(ranked: T[], o: DiversifyOptions): T[] {
  if (ranked.length === 0) return [];
  const byDoc = new Map<string, number[]>();
  for (const c of ranked) {
    const xs = byDoc.get(c.documentId) ?? [];
    xs.push(c.score);
    byDoc.set(c.documentId, xs);
  }
  const docScore = new Map<string, number>();
  for (const [d, xs] of byDoc) docScore.set(d, [...xs].sort((a, b) => b - a).reduce((sum, x, i) => sum + x * 0.5 ** i, 0));
  const maxChunk = Math.max(...ranked.map((c) => c.score)) || 1;
  const maxDoc = Math.max(...docScore.values()) || 1;
  const blended = ranked
    .map((c, i) => ({ c, i, s: (1 - o.docWeight) * (c.score / maxChunk) + o.docWeight * (docScore.get(c.documentId)! / maxDoc) }))
    .sort((a, b) => b.s - a.s || a.i - b.i);
  const first: T[] = [];
  const rest: T[] = [];
  const taken = new Map<string, number>();
  for (const { c, s } of blended) {
    const k = taken.get(c.documentId) ?? 0;
    taken.set(c.documentId, k + 1);
    (k < o.maxPerDoc ? first : rest).push({ ...c, score: s });
  }
  return [...first, ...rest];
}
